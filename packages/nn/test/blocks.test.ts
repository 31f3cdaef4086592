import { Rng, type Tensor, tensor } from '@adjoint/autograd';
import { gradcheck } from '@adjoint/autograd/testing';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { BatchNorm1d, Embedding, GELU, LayerNorm, type Module, MultiHeadAttention } from '../src/index.js';
import blocksJson from './goldens/blocks.json';

// Each block against PyTorch 1.13 on the inputs and parameters of goldens/blocks.json (written by
// goldens/blocks.py; never run here): the forward output and the gradients of sum(output · r).
// biome-ignore lint/suspicious/noExplicitAny: the goldens' entries differ by block
const golden = blocksJson as Record<string, any>;

/** A tensor of `shape` holding `data`. */
function input(data: number[], shape: number[]): Tensor {
  return tensor(Float64Array.from(data)).reshape(shape).detach();
}

/** The same, requiring grad. */
function leaf(data: number[], shape: number[]): Tensor {
  const t = input(data, shape);
  t.requiresGrad = true;
  return t;
}

function close(actual: ArrayLike<number>, expected: number[], tolerance = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tolerance * (1 + Math.abs(expected[i]!)));
}

/** Runs `block` on `x`, then backward of sum(y · r). */
function run(block: Module, x: Tensor, r: number[]): Tensor {
  const y = block.forward(x);
  y.mul(input(r, [...y.shape]))
    .sum()
    .backward();
  return y;
}

describe('the blocks, against PyTorch', () => {
  test.each(['layerNorm', 'layerNorm2'])('%s: forward and every gradient', (name) => {
    const g = golden[name];
    const norm = new LayerNorm(g.normalized);
    norm.weight!.data.set(g.weight);
    norm.bias!.data.set(g.bias);
    const x = leaf(g.x, g.shape);
    close(run(norm, x, g.r).data, g.y);
    close(x.grad!.data, g.dx);
    close(norm.weight!.grad!.data, g.dweight);
    close(norm.bias!.grad!.data, g.dbias);
  });

  test('GELU (tanh): values and slopes from −4 to 4', () => {
    const g = golden.gelu;
    const x = leaf(g.x, [g.x.length]);
    close(run(new GELU(), x, new Array(g.x.length).fill(1)).data, g.y);
    close(x.grad!.data, g.dx);
  });

  test.each(['batchNorm', 'batchNorm3d'])(
    '%s: three training steps (running statistics too), then evaluation',
    (name) => {
      const g = golden[name];
      const norm = new BatchNorm1d(3);
      norm.weight.data.set(g.weight);
      norm.bias.data.set(g.bias);
      for (const step of g.steps) {
        norm.weight.zeroGrad();
        norm.bias.zeroGrad();
        const x = leaf(step.x, g.shape);
        close(run(norm, x, step.r).data, step.y);
        close(x.grad!.data, step.dx);
        close(norm.weight.grad!.data, step.dweight);
        close(norm.bias.grad!.data, step.dbias);
        close(norm.running_mean.data, step.runningMean);
        close(norm.running_var.data, step.runningVar);
      }
      norm.eval();
      close(norm.forward(input(g.evalX, g.shape)).data, g.evalY);
      // the running statistics are buffers: saved and loaded with the parameters
      expect(norm.namedBuffers().map(([n]) => n)).toEqual(['running_mean', 'running_var']);
      const copy = new BatchNorm1d(3);
      copy.loadState(norm.toJSON());
      close(copy.running_var.data, g.steps[2].runningVar);
    },
  );

  test.each(['attention', 'attentionCausal'])(
    '%s: forward, the input’s and the weights’ gradients',
    (name) => {
      const g = golden[name];
      const attention = new MultiHeadAttention(g.dim, g.heads, { causal: name === 'attentionCausal' });
      attention.qkv.weight.data.set(g.qkvWeight);
      attention.qkv.bias.data.set(g.qkvBias);
      attention.proj.weight.data.set(g.projWeight);
      attention.proj.bias.data.set(g.projBias);
      const x = leaf(g.x, [g.batch, g.time, g.dim]);
      close(run(attention, x, g.r).data, g.y);
      close(x.grad!.data, g.dx);
      close(attention.qkv.weight.grad!.data, g.dqkvWeight);
      close(attention.proj.weight.grad!.data, g.dprojWeight);
      expect(attention.namedParameters().map(([n]) => n)).toEqual([
        'qkv.weight',
        'qkv.bias',
        'proj.weight',
        'proj.bias',
      ]);
    },
  );

  test('Embedding: the rows of the indices; a repeated index adds what each use receives', () => {
    const g = golden.embedding;
    const embedding = new Embedding(4, 3);
    embedding.weight.data.set(g.weight);
    const y = embedding.forward(g.indices);
    expect(y.shape).toEqual([2, 3, 3]);
    close(y.data, g.y, 0);
    y.mul(input(g.r, [2, 3, 3]))
      .sum()
      .backward();
    close(embedding.weight.grad!.data, g.dweight);
  });
});

describe('the blocks, checked by hand and by finite differences', () => {
  test('causal attention: an output at position t does not depend on any input after t', () => {
    const attention = new MultiHeadAttention(6, 3, { causal: true, seed: 2 });
    const rng = new Rng(4);
    const x = tensor(
      Array.from({ length: 2 }, () =>
        Array.from({ length: 4 }, () => Array.from({ length: 6 }, () => rng.normal())),
      ),
    );
    const before = attention.forward(x).toArray() as number[][][];
    // change only the last position
    const changed = x.toArray() as number[][][];
    for (const row of changed) row[3] = row[3]!.map((v) => v + 1);
    const after = attention.forward(tensor(changed)).toArray() as number[][][];
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 3; t++) expect(after[b]![t]).toEqual(before[b]![t]);
      expect(after[b]![3]).not.toEqual(before[b]![3]);
    }
  });

  it.prop(
    [fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1000 })],
    {
      numRuns: 12,
    },
  )('LayerNorm, BatchNorm1d and attention gradients match central differences (float64)', (b, t, seed) => {
    const rng = new Rng(seed);
    const data = (n: number) => Array.from({ length: n }, () => rng.normal());
    const attention = new MultiHeadAttention(4, 2, { causal: true, rng });
    const norm = new LayerNorm(4);
    norm.weight!.data.set(data(4));
    const batch = new BatchNorm1d(4);
    const x = leaf(data(b * t * 4), [b, t, 4]);
    expect(gradcheck((v: Tensor) => norm.forward(attention.forward(v)).sum(), [x]).ok).toBe(true);
    const rows = leaf(data((b + 1) * 4), [b + 1, 4]);
    const r = tensor(data(4));
    expect(gradcheck((v: Tensor) => batch.forward(v).mul(r).sum(), [rows]).ok).toBe(true);
  });

  test('each block’s errors name the shapes or values involved', () => {
    expect(() => new LayerNorm(4).forward(tensor([[1, 2, 3]]))).toThrow(
      'LayerNorm: expected input [..., 4], got [1, 3]',
    );
    expect(() => new BatchNorm1d(3).forward(tensor([[1, 2, 3]]))).toThrow(
      'BatchNorm1d: training needs more than one value per feature, got input [1, 3]',
    );
    expect(() => new MultiHeadAttention(6, 4)).toThrow(
      'MultiHeadAttention: dim 6 is not a multiple of heads 4',
    );
    expect(() => new Embedding(3, 2).forward([[0, 3]])).toThrow(
      'Embedding: index 3 (at 1) is not an integer in [0, 3)',
    );
    expect(() => new Embedding(3, 2, { sead: 1 } as never)).toThrow(/Embedding: unknown option 'sead'/);
  });
});
