import { compile, Rng, type Tensor, tensor } from '@adjoint/autograd';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { BatchNorm1d, Embedding, Linear, SGD, softmaxCrossEntropy } from '../src/index.js';

// Modules made from their sizes (as in PyTorch), and the blocks inside a compiled training step: an
// Embedding fed a Tensor of indices and BatchNorm1d's running statistics are replayed with each call's
// batch, equal to eager code bit for bit.

describe('Linear from its sizes', () => {
  test("draws PyTorch's initialisation from the generator: the weight, then the bias, uniform in ±1/√in", () => {
    const layer = new Linear(4, 3, { seed: 7 });
    const rng = new Rng(7);
    const draw = () => 0.5 * (2 * rng.uniform() - 1);
    expect(layer.weight.shape).toEqual([3, 4]);
    expect(Array.from(layer.weight.data)).toEqual(Array.from({ length: 12 }, draw));
    expect(Array.from(layer.bias.data)).toEqual(Array.from({ length: 3 }, draw));
    expect(layer.weight.requiresGrad && layer.bias.requiresGrad).toBe(true);
    expect(new Linear(4, 3, { dtype: 'float32' }).weight.dtype).toBe('float32');
    // a shared generator moves on: two layers from one draw different numbers
    const shared = new Rng(1);
    const [a, b] = [new Linear(2, 2, { rng: shared }), new Linear(2, 2, { rng: shared })];
    expect(Array.from(a.weight.data)).not.toEqual(Array.from(b.weight.data));
    expect(String(new Linear(30, 200))).toBe('Linear(in=30, out=200)');
  });

  test('bad sizes and options are Errors naming them', () => {
    expect(() => new Linear(0, 3)).toThrow('Linear: expected inFeatures to be a positive integer, got 0');
    expect(() => new Linear(2, 1.5)).toThrow(
      'Linear: expected outFeatures to be a positive integer, got 1.5',
    );
    expect(() => new Linear(2, 3, { sead: 1 } as never)).toThrow(/Linear: unknown option 'sead'/);
    expect(() => new Linear(2, 3, { rng: 4 } as never)).toThrow('Linear: expected rng to be an Rng, got 4');
  });
});

describe('Embedding fed a Tensor of indices', () => {
  it.prop([
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 6 }),
    fc.integer(),
  ])('gives the rows arrays give, bit for bit, and the same gradient (to 1e-15)', (count, dim, n, seed) => {
    const rng = new Rng(seed);
    const ids = Array.from({ length: 2 }, () => Array.from({ length: n }, () => rng.int(count)));
    const r = tensor(Array.from({ length: 2 * n * dim }, () => rng.normal())).reshape([2, n, dim]);
    const grads = (input: Tensor | number[][]) => {
      const table = new Embedding(count, dim, { seed });
      const y = table.forward(input);
      y.mul(r).sum().backward();
      return { y: Array.from(y.data), shape: y.shape, grad: Array.from(table.weight.grad!.data) };
    };
    const [fromArrays, fromTensor] = [grads(ids), grads(tensor(ids))];
    expect(fromTensor.shape).toEqual([2, n, dim]);
    expect(fromTensor.y).toEqual(fromArrays.y);
    fromTensor.grad.forEach((g, i) => {
      expect(Math.abs(g - fromArrays.grad[i]!)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(g)));
    });
  });

  test('a compiled step replays each batch of indices: the same losses and table as eager, bit for bit', () => {
    const batches = [
      [0, 3, 3, 1],
      [2, 2, 0, 4],
      [4, 1, 0, 0],
    ];
    const targets = [1, 0, 2, 2];
    const run = (compiled: boolean) => {
      const table = new Embedding(5, 3, { seed: 2 });
      const optimizer = new SGD(table.parameters(), { lr: 0.5 });
      const step = (ids: Tensor) => {
        optimizer.zeroGrad();
        const loss = softmaxCrossEntropy(table.forward(ids), targets);
        loss.backward();
        optimizer.step();
        return loss;
      };
      const f = compiled ? compile(step) : step;
      const losses = batches.map((ids) => f(tensor(ids)).item());
      return { losses, table: Array.from(table.weight.data) };
    };
    const [eager, traced] = [run(false), run(true)];
    expect(traced).toEqual(eager);
    expect(new Set(eager.losses).size).toBe(3);
    // each call's indices are checked, in the compiled program too
    const table = new Embedding(5, 3);
    const f = compile((ids: Tensor) => table.forward(ids).sum());
    expect(f(tensor([0, 4])).item()).toBeCloseTo(
      table.weight.sum([1]).data[0]! + table.weight.sum([1]).data[4]!,
      12,
    );
    expect(() => f(tensor([0, 5]))).toThrow('Embedding: label 5 of sample 1 is not a class index in [0, 5)');
  });
});

test("BatchNorm1d's running statistics in a compiled step: each call's batch, as eager, bit for bit", () => {
  const rng = new Rng(3);
  const batches = Array.from({ length: 4 }, () =>
    tensor(Array.from({ length: 6 }, () => Array.from({ length: 2 }, () => 3 * rng.normal() + 1))),
  );
  const run = (compiled: boolean) => {
    const norm = new BatchNorm1d(2);
    const step = (x: Tensor) => norm.forward(x).mul(norm.forward(x)).sum();
    const f = compiled ? compile(step) : step;
    const outputs = batches.map((x) => f(x).item());
    return { outputs, mean: Array.from(norm.running_mean.data), variance: Array.from(norm.running_var.data) };
  };
  const [eager, traced] = [run(false), run(true)];
  expect(traced).toEqual(eager);
  // two updates per call, four calls: the running mean has moved from 0 towards the batches' means
  expect(eager.mean.every((m) => m !== 0)).toBe(true);
});
