/**
 * The README's speed table, made from the benchmark's JSON and nothing else: reads bench-float32.json
 * and bench-float64.json (from `--from`, default the benchmark's out/ folder), keeps a copy of both in
 * docs/bench/ (so the table can always be traced to its run), and rewrites the README between the
 * markers `<!-- bench:table -->` and `<!-- /bench:table -->`.
 *
 *   npx -y pnpm@10 bench:table [--from <folder>] [--readme <file>]
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Command, callerPath, parseCommand } from '@adjoint/examples';
import type { Row, Run } from './results.js';

/** The peer columns, in order: a contestant's name starts with one of these. */
const PEERS = [
  ['PyTorch ', 'PyTorch, same dtype'],
  ['jax-js jit (wasm, f32)', 'jax-js jit f32'],
  ['jax-js jit (wasm, f64)', 'jax-js jit f64'],
  ['tfjs-wasm (f32)', 'tfjs-wasm f32'],
  ['tfjs-cpu (f32)', 'tfjs-cpu f32'],
  ['micrograd, hand-written JS', 'micrograd in JS'],
] as const;

const START = '<!-- bench:table -->';
const END = '<!-- /bench:table -->';

/** A number of milliseconds to about three significant figures, never in exponent notation. */
function digits(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

/** The median with its unit, and the min–max of the rounds in the same unit. */
function range(r: Row): string {
  const [unit, scale] = r.medianMs >= 1000 ? ['s', 1000] : ['ms', 1];
  const f = (ms: number) => digits(ms / scale);
  return `${f(r.medianMs)} ${unit} (${f(r.minMs)}–${f(r.maxMs)})`;
}

/** A workload's short name: its id and title, and the size for the deep chain (W5). */
function shortName(workload: string): string {
  const title = workload.split(':')[0]!;
  const size = /N = [^,]+/.exec(workload);
  return size === null ? title : `${title}, ${size[0]}`;
}

/** The table of both runs: one line per workload and dtype, adjoint's times and each peer's ratio. */
export function table(runs: readonly Run[]): string {
  const header = [
    'workload',
    'adjoint, median (min–max)',
    'compiled, ÷ eager',
    '1 thread ÷ default',
    ...PEERS.map(([, column]) => column),
  ];
  const lines = [header, header.map(() => '---')];
  for (const run of runs) {
    const workloads = [...new Set(run.rows.map((r) => r.workload))];
    for (const workload of workloads) {
      const rows = run.rows.filter((r) => r.workload === workload);
      const eager = rows[0]!;
      const compiled = rows.find((r) => r.name.endsWith(', compiled'));
      const single = rows.find((r) => r.name.endsWith(', 1 thread)'));
      // the peers' ratios are against adjoint's fastest way: compiled where it is measured
      const ours = compiled ?? eager;
      const ratio = (r: Row | undefined) =>
        r === undefined ? '' : `${(r.medianMs / ours.medianMs).toFixed(2)}×`;
      const engine = eager.name.includes('(Value)') ? 'Value' : run.dtype;
      lines.push([
        `${shortName(workload)}, ${engine}`,
        range(eager),
        compiled === undefined
          ? ''
          : `${range(compiled)}, ${(eager.medianMs / compiled.medianMs).toFixed(2)}×`,
        single === undefined ? '' : `${(single.medianMs / eager.medianMs).toFixed(2)}×`,
        ...PEERS.map(([name]) => ratio(rows.find((r) => r.name.startsWith(name)))),
      ]);
    }
  }
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function main(): void {
  const command: Command = {
    prog: 'bench:table',
    usage: 'usage: npx -y pnpm@10 bench:table [--from DIR] [--readme FILE] (--help says more)',
    help: `usage: npx -y pnpm@10 bench:table [--from DIR] [--readme FILE]

Makes the README's speed table from DIR/bench-float32.json and DIR/bench-float64.json (what bench writes;
default ./out), keeps a copy of both in docs/bench/, and rewrites the table in FILE (default the
repository's README.md). Paths are taken from where you are.`,
  };
  const { values } = parseCommand(
    command,
    { from: { type: 'string' }, readme: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    process.argv.slice(2),
  );
  const from = callerPath(values.from ?? 'out');
  const root = new URL('../../../', import.meta.url).pathname;
  const readme = values.readme === undefined ? join(root, 'README.md') : callerPath(values.readme);
  const kept = join(root, 'docs', 'bench');
  mkdirSync(kept, { recursive: true });
  const runs = ['float32', 'float64'].map((dtype) => {
    const file = join(from, `bench-${dtype}.json`);
    if (join(from) !== join(kept)) copyFileSync(file, join(kept, `bench-${dtype}.json`));
    return JSON.parse(readFileSync(file, 'utf8')) as Run;
  });
  if (runs.some((r) => r.quick)) throw new Error('bench:table: a --quick run is too short for the README');
  const text = readFileSync(readme, 'utf8');
  const [start, end] = [text.indexOf(START), text.indexOf(END)];
  if (start < 0 || end < start) throw new Error(`bench:table: ${readme} has no ${START} … ${END} section`);
  const when = runs.map((r) => `${r.dtype} ${r.date.slice(0, 16).replace('T', ' ')} UTC`).join(', ');
  const note = [
    `Made by \`bench:table\` from \`docs/bench/bench-float32.json\` and \`bench-float64.json\` (${when},`,
    `Node.js ${runs[0]!.node}, 2 cores). Medians in ms; peer ÷ adjoint's compiled step where there is one,`,
    'else its eager step: above 1, adjoint is faster.',
  ].join('\n');
  const updated = `${text.slice(0, start + START.length)}\n\n${note}\n\n${table(runs)}\n\n${text.slice(end)}`;
  writeFileSync(readme, updated);
  // the repository's formatter aligns the table's columns, as \`pnpm lint\` expects them
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  execFileSync(process.execPath, [biome, 'format', '--write', readme], { stdio: 'ignore' });
  console.log(`${readme}: the speed table, from ${from}`);
}

main();
