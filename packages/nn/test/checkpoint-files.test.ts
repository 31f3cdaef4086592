import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '@adjoint/autograd';
import {
  Adam,
  binaryCrossEntropy,
  type Callback,
  CosineAnnealingLR,
  fit,
  fromSafetensors,
  loadModel,
  loadTrainingState,
  mlp,
  modelCheckpoint,
  mse,
  SGD,
  sequential,
} from '@adjoint/nn';
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

// a run stopped early resumes from the files modelCheckpoint wrote (issue 31)
const x = Array.from({ length: 10 }, (_, i) => [Math.sin(i), Math.cos(2 * i)]);
const y = x.map(([a, b]) => [a! * b! > 0 ? 1 : 0]);
const weights = (net: { parameters(): unknown[] }) =>
  net.parameters().map((p) => Array.from((p as Tensor).data));
// a model with dropout: its masks come from a generator that the checkpoint saves too
const dropoutSpec = {
  inputs: 2,
  layers: [
    { units: 8, activation: 'tanh' as const },
    { kind: 'dropout' as const, rate: 0.3 },
    { units: 1, activation: 'sigmoid' as const },
  ],
  seed: 5,
};
const stopAfter = (epoch: number): Callback => ({
  onEpochEnd: (e, _logs, context) => e === epoch && context.stopTraining(`stopped after epoch ${epoch}`),
});

test.each(['json', 'safetensors'] as const)(
  'a run stopped early resumes from its %s checkpoint and sidecar, bit for bit, dropout masks included',
  (format) => {
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-resume-'));
    const setup = (net: ReturnType<typeof sequential>) => {
      const optimizer = new Adam(net.parameters(), { lr: 0.05 });
      const schedule = new CosineAnnealingLR(optimizer, { tMax: 8, every: 'batch' });
      return { optimizer, schedule };
    };
    const options = (parts: ReturnType<typeof setup>, callbacks: Callback[] = []) => ({
      loss: binaryCrossEntropy,
      optimizer: parts.optimizer,
      epochs: 7,
      batchSize: 4,
      seed: 2,
      callbacks: [parts.schedule, ...callbacks],
    });
    const straight = sequential(dropoutSpec);
    const straightParts = setup(straight);
    const all = fit(straight, { x, y }, options(straightParts));

    const first = sequential(dropoutSpec);
    const firstParts = setup(first);
    const checkpoint = modelCheckpoint({
      path: join(dir, `model-{epoch}.${format}`),
      optimizer: firstParts.optimizer,
      schedules: [firstParts.schedule],
    });
    const stopped = fit(first, { x, y }, options(firstParts, [checkpoint, stopAfter(2)]));
    expect(stopped.stopped).toEqual({ epoch: 2, reason: 'stopped after epoch 2' });

    // a fresh process would do this: the model's file, then its sidecar
    const modelFile = join(dir, `model-3.${format}`);
    const sidecar = join(dir, `model-3.optimizer.${format}`);
    const resumed =
      format === 'json'
        ? loadModel(readFileSync(modelFile, 'utf8'))
        : fromSafetensors(new Uint8Array(readFileSync(modelFile)), dropoutSpec);
    const parts = setup(resumed);
    loadTrainingState(
      format === 'json' ? readFileSync(sidecar, 'utf8') : new Uint8Array(readFileSync(sidecar)),
      parts.optimizer,
      [parts.schedule],
    );
    const rest = fit(resumed, { x, y }, { ...options(parts), initialEpoch: 3 });

    expect(rest.loss).toEqual(all.loss.slice(3));
    expect(weights(resumed)).toEqual(weights(straight));
    expect(parts.optimizer.stateDict()).toEqual(straightParts.optimizer.stateDict());
    expect(parts.schedule.stateDict()).toEqual(straightParts.schedule.stateDict());
    expect(resumed.toJSON()).toEqual(straight.toJSON()); // the dropout generator's state too
  },
);
