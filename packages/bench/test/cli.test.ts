import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// The benchmark's commands read their arguments as the examples' command does: a mistake is a line and
// the usage, exit 2, nothing run and nothing written; relative paths are the caller's.
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx/cli');

/** Runs `script` as `pnpm <name>` would from `caller`: in the package's folder, with INIT_CWD set. */
function run(script: string, caller: string, ...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [tsx, '--conditions=@adjoint/source', `src/${script}`, ...args],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: caller, npm_lifecycle_event: 'bench' },
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the bench commands', () => {
  test('an unknown workload, flag or dtype is a usage error: exit 2, two lines, no file touched', () => {
    const caller = mkdtempSync(join(tmpdir(), 'adjoint-bench-'));
    try {
      const kept = join(caller, 'out', 'bench-float32.json');
      writeFileSync(join(caller, 'marker'), '');
      for (const [args, message] of [
        [
          ['--only', 'W10'],
          'bench: --only: unknown workload "W10"; did you mean W1? (workloads: W1, W2, W3, W4, W5, W6, W7, W8, W9)',
        ],
        [['--onyl', 'W1'], 'bench: unknown option --onyl; did you mean --only?'],
        [['--dtype', 'float16'], 'bench: --dtype expects float32 or float64, got "float16"'],
        [['W1'], 'bench: takes no arguments but options; got W1'],
      ] as const) {
        const { status, stdout, stderr } = run('peers.ts', caller, ...args);
        expect(status).toBe(2);
        expect(stdout).toBe('');
        const lines = stderr.trimEnd().split('\n');
        expect(lines).toEqual([message, expect.stringMatching(/^usage: npx -y pnpm@10 bench \[--quick\]/)]);
      }
      expect(existsSync(kept)).toBe(false);
      const ab = run('ab.ts', caller, '--only', 'W2');
      expect([ab.status, ab.stderr.split('\n')[0]]).toEqual([
        2,
        'bench:ab: --base DIR (another checkout, installed) is required',
      ]);
      const table = run('table.ts', caller, '--form', 'x');
      expect([table.status, table.stderr.split('\n')[0]]).toEqual([
        2,
        'bench:table: unknown option --form; did you mean --from?',
      ]);
    } finally {
      rmSync(caller, { recursive: true, force: true });
    }
  }, 60_000);

  test('--help lists the workloads and exits 0', () => {
    const { status, stdout } = run('peers.ts', root, '--help');
    expect(status).toBe(0);
    for (const id of ['W1', 'W4', 'W8']) expect(stdout).toMatch(new RegExp(`^  ${id}  `, 'm'));
  }, 60_000);

  test('--out is taken from where the command started; a run that times nothing writes nothing', () => {
    const caller = mkdtempSync(join(tmpdir(), 'adjoint-bench-'));
    try {
      // W1 runs in the float64 process only: the float32 run of it times nothing
      const none = run('peers.ts', caller, '--only', 'W1', '--dtype', 'float32', '--out', 'rel');
      expect(none.status).toBe(0);
      expect(none.stdout).toContain('no workload of --only W1 runs in the float32 process; nothing written');
      expect(existsSync(join(caller, 'rel'))).toBe(false);
      const one = run('peers.ts', caller, '--only', 'W1', '--dtype', 'float64', '--quick', '--out', 'rel');
      expect(one.status).toBe(0);
      const written = JSON.parse(readFileSync(join(caller, 'rel', 'bench-float64.json'), 'utf8'));
      expect(written.rows.map((r: { workload: string }) => r.workload.split(' ')[0])).toContain('W1');
      expect(existsSync(join(root, 'rel'))).toBe(false);
    } finally {
      rmSync(caller, { recursive: true, force: true });
    }
  }, 120_000);
});
