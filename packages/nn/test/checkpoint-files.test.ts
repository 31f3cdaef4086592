import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '@adjoint/autograd';
import { fit, fromSafetensors, loadModel, mlp, modelCheckpoint, mse, SGD } from '@adjoint/nn';
import { expect, test } from 'vitest';

// modelCheckpoint's files (Node only: the browser projects run callbacks.test.ts, with save functions)
test('modelCheckpoint writes to a file in Node, {epoch} counted from 1; safetensors for a .safetensors path', () => {
  const spec = {
    inputs: 2,
    layers: [
      { units: 3, activation: 'tanh' as const },
      { units: 1, activation: 'sigmoid' as const },
    ],
    seed: 5,
  };
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-checkpoint-'));
  try {
    const net = mlp(spec);
    const snapshots: number[][] = [];
    fit(
      net,
      {
        x: [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ],
        y: [[0], [1], [1], [0]],
      },
      {
        loss: mse,
        optimizer: new SGD(net.parameters(), { lr: 2 }),
        epochs: 8,
        callbacks: [
          {
            onEpochEnd: (_e, _l, c) =>
              snapshots.push(c.model.parameters().flatMap((p) => Array.from((p as Tensor).data))),
          },
          modelCheckpoint({ path: join(dir, 'net-{epoch}.json'), every: 4 }),
          modelCheckpoint({ path: join(dir, 'net.safetensors'), every: 8 }),
        ],
      },
    );
    expect(readdirSync(dir).sort()).toEqual(['net-4.json', 'net-8.json', 'net.safetensors']);
    const four = loadModel(readFileSync(join(dir, 'net-4.json'), 'utf8'));
    expect(four.parameters().flatMap((p) => Array.from((p as Tensor).data))).toEqual(snapshots[3]);
    const back = fromSafetensors(readFileSync(join(dir, 'net.safetensors')), spec);
    expect(back.parameters().flatMap((p) => Array.from(p.data))).toEqual(snapshots[7]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
