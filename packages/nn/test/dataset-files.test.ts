import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '@adjoint/autograd';
import { type Batch, Dataset, fit, fitAsync, mlp, mse, SGD } from '@adjoint/nn';
import { expect, test } from 'vitest';

// Dataset.csv over a file read by a Node stream (Node only: dataset.test.ts reads a fetch body in both)
const rows = Array.from({ length: 23 }, (_, i) => [Math.sin(i), Math.cos(3 * i), (i % 5) / 5]);
const labels = rows.map(([a, b, c]) => [a! + b! - c! > 0 ? 1 : 0]);
const spec = {
  inputs: 3,
  layers: [
    { units: 5, activation: 'tanh' as const },
    { units: 1, activation: 'sigmoid' as const },
  ],
  seed: 11,
};
const weights = (net: { parameters(): unknown[] }) =>
  net.parameters().map((p) => Array.from((p as Tensor).data));
const csv = rows.map((r, i) => [...r, labels[i]![0]].join(',')).join('\r\n');
const asBatches = (d: Dataset<number[]>) =>
  d.map((r) => ({ x: r.slice(0, 3), y: r.slice(3) })).batch(5) as Dataset<Batch>;

test('a file read by a Node stream trains with fitAsync to the weights of the same rows in memory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-csv-'));
  const path = join(dir, 'rows.csv');
  writeFileSync(path, `x1,x2,x3,label\r\n${csv}\r\n`);
  const fromFile = Dataset.csv(() => createReadStream(path, { highWaterMark: 64 }), { skip: 1 });
  const inMemory = mlp(spec);
  const streamed = mlp(spec);
  const a = fit(
    inMemory,
    { x: rows, y: labels },
    {
      loss: mse,
      optimizer: new SGD(inMemory.parameters(), { lr: 0.5 }),
      epochs: 3,
      batchSize: 5,
      shuffle: false,
    },
  );
  const b = await fitAsync(streamed, asBatches(fromFile), {
    loss: mse,
    optimizer: new SGD(streamed.parameters(), { lr: 0.5 }),
    epochs: 3,
  });
  // the CSV's decimal text parses back to the same doubles: the runs agree bit for bit
  expect(b.loss).toEqual(a.loss);
  expect(weights(streamed)).toEqual(weights(inMemory));
});
