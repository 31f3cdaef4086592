import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/memory.ts', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url)); // where tsx is installed

test('2,000 training steps leave the heap after GC within a few MB of where it started', () => {
  // tsx as an in-process loader (--import), so --expose-gc reaches the script
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--conditions=@adjoint/source', '--import', 'tsx', fixture, '2000'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  expect(run.stderr).toBe('');
  const { before, after, steps, loss } = JSON.parse(run.stdout) as {
    before: number;
    after: number;
    steps: number;
    loss: number;
  };
  expect(steps).toBe(2000);
  expect(loss).toBeLessThan(0.7); // it did train
  expect(after - before).toBeLessThan(2 * 1024 * 1024);
}, 120_000);

test('10,000 calls of a compiled training step leave the heap after GC where it was', () => {
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--conditions=@adjoint/source', '--import', 'tsx', fixture, '10000', 'compiled'],
    { cwd: root, encoding: 'utf8' },
  );
  expect(run.stderr).toBe('');
  const { steps, loss, samples } = JSON.parse(run.stdout) as {
    steps: number;
    loss: number;
    samples: number[];
  };
  expect(steps).toBe(10000);
  expect(loss).toBeLessThan(0.7); // it did train
  // A typed array kept per call would be ≥ 96 bytes (its object and its elements): ≥ 384 KB over the
  // 4,000 calls from the fifth tenth to the last two. A leak only grows; the JIT's and the collector's own
  // bumps come and go, so the end is the smaller of the last two samples.
  const message = `growth after each tenth: ${samples}`;
  expect(samples).toHaveLength(10);
  for (const grown of samples.slice(0, 5)) expect(grown, message).toBeLessThan(512 * 1024);
  expect(Math.min(samples[8]!, samples[9]!) - samples[4]!, message).toBeLessThan(200 * 1024);
}, 120_000);
