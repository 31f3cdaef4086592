import { type Tensor, tensor } from '@adjoint/autograd';
import { webgpu } from '@adjoint/autograd/webgpu';
import {
  Adam,
  binaryCrossEntropyWithLogits,
  fit,
  fitAsync,
  type History,
  mlp,
  predict,
  type Sequential,
  SGD,
  softmaxCrossEntropy,
} from '@adjoint/nn';
import { beforeAll, describe, expect, test } from 'vitest';
import csv from '../../../examples/data/breast_cancer.csv?raw';

// Training on WebGPU, as a user does it: a model made there ({ device: 'webgpu' }), fitAsync, predict;
// each run against the same run on the CPU in float32. Real data: the Breast Cancer Wisconsin set
// (examples/data/breast_cancer.csv, 569 tumours, 30 features), standardized.
let gpu: Awaited<ReturnType<typeof webgpu>>;
beforeAll(async () => {
  gpu = await webgpu();
});

const [, ...lines] = csv.trim().split('\n');
const table = lines.map((line) => line.split(',').map(Number));
const features = table[0]!.length - 1;
const mean = Array.from({ length: features }, (_, j) => table.reduce((s, r) => s + r[j]!, 0) / table.length);
const std = mean.map(
  (m, j) => Math.sqrt(table.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / table.length) || 1,
);
const x = tensor(
  table.map((r) => r.slice(0, features).map((v, j) => (v - mean[j]!) / std[j]!)),
  { dtype: 'float32' },
);
const y = tensor(
  table.map((r) => [r[features]!]),
  { dtype: 'float32' },
);

const spec = { inputs: features, layers: [{ units: 16, activation: 'relu' as const }, { units: 1 }] };

/** The optimizers the runs below train with, each a function of the model. */
const sgd = (m: Sequential) =>
  new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
const adam = (m: Sequential) =>
  new Adam(m.parameters(), { lr: 0.01, clipGradNorm: 0.5, clipGradValue: 0.05 });

/** Runs already made, by device, optimizer and compile: two tests compare against the same run. */
const runs = new Map<string, Promise<{ history: History; predictions: number[] }>>();

/** The same network, seed and run on `device`: its history and its predictions (read back). */
function train(
  device: string,
  optimizer: (model: Sequential) => SGD | Adam,
  compile = false,
): Promise<{ history: History; predictions: number[] }> {
  const known: ((model: Sequential) => SGD | Adam)[] = [sgd, adam];
  const key = `${device} ${known.indexOf(optimizer)} ${compile}`;
  if (known.includes(optimizer) && runs.has(key)) return runs.get(key)!;
  const run = trainOnce(device, optimizer, compile);
  runs.set(key, run);
  return run;
}

async function trainOnce(
  device: string,
  optimizer: (model: Sequential) => SGD | Adam,
  compile = false,
): Promise<{ history: History; predictions: number[] }> {
  const model = mlp({ ...spec, seed: 3 }, { dtype: 'float32', device });
  expect(model.device).toBe(device);
  const history = await fitAsync(
    model,
    { x, y },
    {
      loss: binaryCrossEntropyWithLogits,
      optimizer: optimizer(model),
      epochs: 3,
      batchSize: 64,
      seed: 5,
      metrics: ['accuracy'],
      validationSplit: 0.2,
      compile,
    },
  );
  const out = predict(model, x.slice(0, 0, 8));
  expect(out.device).toBe(device);
  return { history, predictions: Array.from(await out.dataAsync()) };
}

function expectSameRun(
  dev: { history: History; predictions: number[] },
  cpu: { history: History; predictions: number[] },
) {
  const within = (got: readonly number[], want: readonly number[], bound: (v: number) => number) => {
    expect(got.length).toBe(want.length);
    for (const [i, v] of got.entries()) expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(bound(v));
  };
  for (const key of ['loss', 'valLoss'] as const) within(dev.history[key]!, cpu.history[key]!, () => 1e-4);
  // the same samples right, give or take one on a boundary (the sums' order differs)
  for (const key of ['accuracy', 'valAccuracy'] as const)
    within(dev.history[key]!, cpu.history[key]!, () => 2 / 455);
  within(dev.predictions, cpu.predictions, (v) => 1e-4 * (1 + Math.abs(v)));
  expect(cpu.history.accuracy!.at(-1)!).toBeGreaterThan(0.9);
}

describe('a model trained on webgpu', () => {
  test('SGD with momentum and Nesterov: the CPU’s losses, accuracies and predictions', async () => {
    expectSameRun(await train('webgpu', sgd), await train('cpu', sgd));
    expect(gpu.stats().errors).toEqual([]);
  });

  test('compile: true there: the batches and targets move inside the program; the eager run’s bits', async () => {
    // the eager runs on webgpu are the other tests' (each within their bounds of the CPU's)
    for (const optimizer of [sgd, adam])
      expect(await train('webgpu', optimizer, true)).toEqual(await train('webgpu', optimizer));
    expect(gpu.stats().errors).toEqual([]);
  });

  test('Adam with gradient clipping: the CPU’s run (its moments in float32 there, float64 here)', async () => {
    expectSameRun(await train('webgpu', adam), await train('cpu', adam));
    const adamW = (m: Sequential) => new Adam(m.parameters(), { lr: 0.01, weightDecay: 0.01 });
    expectSameRun(await train('webgpu', adamW), await train('cpu', adamW));
  });

  test('softmax cross-entropy over class labels: one-hot rows made on the CPU, moved, the CPU’s losses', async () => {
    const labels = tensor(table.map((r) => r[features]!));
    const run = async (device: string) => {
      const model = mlp(
        { inputs: features, layers: [{ units: 8, activation: 'tanh' }, { units: 2 }], seed: 4 },
        { dtype: 'float32', device },
      );
      const history = await fitAsync(
        model,
        { x, y: labels },
        {
          loss: softmaxCrossEntropy,
          optimizer: new SGD(model.parameters(), { lr: 0.1 }),
          epochs: 2,
          batchSize: 100,
          seed: 1,
        },
      );
      return history.loss;
    };
    const [dev, cpu] = [await run('webgpu'), await run('cpu')];
    for (const [i, v] of dev.entries()) expect(Math.abs(v - cpu[i]!)).toBeLessThan(1e-4);
    expect(cpu[1]!).toBeLessThan(cpu[0]!);
  });

  test('moved there and back with to(), and every misuse an Error naming the way out', async () => {
    const model = mlp({ ...spec, seed: 3 }, { dtype: 'float32' });
    const before = model.parameters().map((p) => Array.from(p.data));
    const tensors = model.parameters();
    expect(model.to('webgpu')).toBe(model);
    expect(model.parameters()).toEqual(tensors); // the same tensors, moved in place
    expect(model.parameters().map((p) => p.device)).toEqual(['webgpu', 'webgpu', 'webgpu', 'webgpu']);
    const options = {
      loss: binaryCrossEntropyWithLogits,
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      epochs: 1,
    };
    expect(() => fit(model, { x, y }, options)).toThrow(
      'fit: the model is on webgpu, whose values are read asynchronously; train it with await fitAsync(model, data, options)',
    );
    expect(() => options.optimizer.stateDict()).toThrow('SGD.stateDict: parameter 0 is on webgpu');
    expect(await model.to('cpu')).toBe(model);
    expect(model.parameters().map((p) => Array.from(p.data))).toEqual(before);
    expect(() => mlp(spec).to('webgpu')).toThrow(
      'Sequential.to: 0.weight is float64, and a tensor on webgpu holds float32',
    );
    const cpuModel: { forwardBatch(x: Tensor): Tensor } = mlp(spec, { dtype: 'float32', device: 'webgpu' });
    expect(() => cpuModel.forwardBatch(x)).toThrow(
      /the inputs are on two devices, cpu \(input 0, shape \[569, 30\]\) and webgpu/,
    );
  });
});
