/**
 * The demo tour: every example in order with a progress bar, then a summary table and the paths of the
 * pictures (loss curves, decision regions, misclassified digits, and a computation graph).
 */
import { parseArgs } from 'node:util';
import { neuronExpression, workedExpression } from './expression';
import { outDir, writeFigures } from './output';
import { dotToSvg } from './plot';
import { runProgress } from './progress';
import { EXAMPLES } from './registry';

/** One row of the summary. */
export interface TourRow {
  readonly name: string;
  readonly headline: string;
  readonly seconds: number;
}

const { values } = parseArgs({ options: { out: { type: 'string' } }, args: process.argv.slice(2) });
const out = outDir(values.out);
const started = performance.now();
console.log('adjoint: the demo tour, one example per note\n');

const expression = workedExpression();
console.log(
  `micrograd's README expression: g = ${expression.g.toFixed(4)}, ∂g/∂a = ${expression.aGrad.toFixed(4)}, ∂g/∂b = ${expression.bGrad.toFixed(4)}\n`,
);
const paths = writeFigures(out, [{ name: 'computation-graph', svg: await dotToSvg(neuronExpression().dot) }]);

const rows: TourRow[] = [];
for (const example of EXAMPLES) {
  const bar = runProgress(example.name);
  const t0 = performance.now();
  const result = example.run({
    ...example.tour,
    onProgress: (done, total) => bar.update(done, total),
  });
  const seconds = (performance.now() - t0) / 1000;
  bar.stop();
  const headline = example.tour?.quick ? `${result.headline} (quick run)` : result.headline;
  rows.push({ name: example.name, headline, seconds });
  paths.push(...writeFigures(out, await result.figures()));
}

const width = Math.max(...rows.map((r) => r.headline.length));
const rule = `${'-'.repeat(21)}+${'-'.repeat(width + 2)}+---------`;
console.log(`\n${'example'.padEnd(20)} | ${'result'.padEnd(width)} | time`);
console.log(rule);
for (const r of rows)
  console.log(`${r.name.padEnd(20)} | ${r.headline.padEnd(width)} | ${r.seconds.toFixed(1).padStart(5)} s`);
console.log(rule);
console.log(
  `${'total'.padEnd(20)} | ${''.padEnd(width)} | ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s`,
);
console.log(`\npictures (SVG):\n${paths.map((p) => `  ${p}`).join('\n')}`);
