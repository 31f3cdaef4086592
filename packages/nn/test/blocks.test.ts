import { linear, Rng, Tensor, tensor } from '@adjoint/autograd';
import { gradcheck } from '@adjoint/autograd/testing';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import {
  BatchNorm1d,
  Embedding,
  GELU,
  LayerNorm,
  type Module,
  MultiHeadAttention,
  softmaxCrossEntropy,
} from '../src/index.js';
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
    close(run(new GELU({ approximate: 'tanh' }), x, new Array(g.x.length).fill(1)).data, g.y);
    close(x.grad!.data, g.dx);
  });

  test("GELU (exact, PyTorch's default): values and slopes from −7 to 7, across erf's branches", () => {
    const g = golden.geluExact;
    const x = leaf(g.x, [g.x.length]);
    const gelu = new GELU();
    close(run(gelu, x, new Array(g.x.length).fill(1)).data, g.y);
    close(x.grad!.data, g.dx);
    expect(String(gelu)).toBe("GELU(approximate='none')");
    expect(String(new GELU({ approximate: 'tanh' }))).toBe("GELU(approximate='tanh')");
    expect(() => new GELU({ approximate: 'erf' } as never)).toThrow(
      `GELU: expected approximate to be 'none' or 'tanh', got the string "erf"`,
    );
    expect(() => new GELU({ aproximate: 'tanh' } as never)).toThrow(/GELU: unknown option 'aproximate'/);
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
      // the running statistics are buffers, with PyTorch's count of batches beside them: saved and
      // loaded with the parameters
      expect(norm.namedBuffers().map(([n]) => n)).toEqual([
        'running_mean',
        'running_var',
        'num_batches_tracked',
      ]);
      expect(norm.num_batches_tracked.item()).toBe(g.numBatchesTracked);
      const copy = new BatchNorm1d(3);
      copy.loadState(norm.toJSON());
      close(copy.running_var.data, g.steps[2].runningVar);
      expect(copy.num_batches_tracked.item()).toBe(3);
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

  test.each([true, false])(
    'attentionWeights (causal: %s): rows of 1, and forward mixes the values with them',
    (causal) => {
      const attention = new MultiHeadAttention(8, 2, { causal, seed: 3 });
      const rng = new Rng(5);
      const x = new Tensor(
        Float64Array.from({ length: 2 * 5 * 8 }, () => rng.normal()),
        [2, 5, 8],
      );
      const weights = attention.attentionWeights(x);
      expect(weights.shape).toEqual([2, 2, 5, 5]);
      for (const head of (weights.toArray() as number[][][][]).flat()) {
        head.forEach((row, t) => {
          expect(Math.abs(row.reduce((a, w) => a + w, 0) - 1)).toBeLessThan(1e-15);
          if (causal) expect(row.slice(t + 1)).toEqual(new Array(4 - t).fill(0));
          else expect(row.every((w) => w > 0)).toBe(true);
        });
      }
      // forward, by hand from the weights: the values split into heads, mixed, merged, projected
      const { weight, bias } = attention.qkv;
      const v = linear(x, weight.slice(0, 16, 24), bias.slice(0, 16, 24))
        .reshape([2, 5, 2, 4])
        .transpose([0, 2, 1, 3]);
      const byHand = attention.proj.forward(weights.matmul(v).transpose([0, 2, 1, 3]).reshape([2, 5, 8]));
      close(attention.forward(x).data, Array.from(byHand.data));
      expect(() => attention.attentionWeights(tensor([[1, 2]]))).toThrow(
        'MultiHeadAttention: expected input [B, T, 8], got [1, 2]',
      );
    },
  );

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

// The bars of docs/derivations.md, "The bars of a sequence model's blocks", written out by hand with
// plain numbers and held to what autodiff computes.
describe('the bars of the blocks, by hand (derivations.md)', () => {
  const rng = new Rng(21);
  const normals = (n: number) => Array.from({ length: n }, () => rng.normal());

  /** x̄ of a normalisation over n values per group, from ȳ·γ (x̂̄), x̂ and s = √(σ² + ε). */
  function normBar(xhatBar: number[], xhat: number[], s: number): number[] {
    const n = xhat.length;
    const sumBar = xhatBar.reduce((a, b) => a + b, 0);
    const sumBarXhat = xhatBar.reduce((a, b, i) => a + b * xhat[i]!, 0);
    return xhat.map((h, i) => (n * xhatBar[i]! - sumBar - h * sumBarXhat) / (n * s));
  }

  test('softmax cross-entropy: z̄ = (p − y) / N', () => {
    const [n, c] = [3, 4];
    const z = leaf(normals(n * c), [n, c]);
    const labels = [2, 0, 3];
    softmaxCrossEntropy(z, labels).backward();
    const p = z.softmax(-1).data;
    const expected = Array.from(p, (pi, k) => (pi - (labels[Math.floor(k / c)] === k % c ? 1 : 0)) / n);
    close(z.grad!.data, expected);
  });

  test('LayerNorm: x̄ = (n·x̂̄ − Σx̂̄ − x̂·Σ(x̂̄ x̂)) / (n·s), γ̄ = Σ ȳ x̂, β̄ = Σ ȳ', () => {
    const [rows, n] = [3, 5];
    const norm = new LayerNorm(n);
    norm.weight!.data.set(normals(n));
    const x = leaf(normals(rows * n), [rows, n]);
    const r = normals(rows * n);
    run(norm, x, r);
    const gamma = Array.from(norm.weight!.data);
    const [xBar, gammaBar, betaBar] = [[] as number[], new Array(n).fill(0), new Array(n).fill(0)];
    for (let i = 0; i < rows; i++) {
      const row = Array.from(x.data.subarray(i * n, (i + 1) * n));
      const mean = row.reduce((a, b) => a + b, 0) / n;
      const s = Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / n + norm.eps);
      const xhat = row.map((v) => (v - mean) / s);
      const yBar = r.slice(i * n, (i + 1) * n);
      xhat.forEach((h, j) => {
        gammaBar[j] += yBar[j]! * h;
        betaBar[j] += yBar[j]!;
      });
      xBar.push(
        ...normBar(
          yBar.map((g, j) => g * gamma[j]!),
          xhat,
          s,
        ),
      );
    }
    close(x.grad!.data, xBar);
    close(norm.weight!.grad!.data, gammaBar);
    close(norm.bias!.grad!.data, betaBar);
  });

  test('BatchNorm1d in training: the same compact x̄, over the batch for each feature', () => {
    const [rows, features] = [6, 3];
    const norm = new BatchNorm1d(features);
    norm.weight.data.set(normals(features));
    const x = leaf(normals(rows * features), [rows, features]);
    const r = normals(rows * features);
    run(norm, x, r);
    const xBar = new Array(rows * features).fill(0);
    for (let c = 0; c < features; c++) {
      const column = Array.from({ length: rows }, (_, i) => x.data[i * features + c]!);
      const mean = column.reduce((a, b) => a + b, 0) / rows;
      const s = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / rows + norm.eps);
      const xhat = column.map((v) => (v - mean) / s);
      const xhatBar = Array.from({ length: rows }, (_, i) => r[i * features + c]! * norm.weight.data[c]!);
      normBar(xhatBar, xhat, s).forEach((v, i) => {
        xBar[i * features + c] = v;
      });
    }
    close(x.grad!.data, xBar);
  });

  test('Embedding: W̄[v] is the sum of ȳ over the positions whose index is v', () => {
    const embedding = new Embedding(5, 2);
    const indices = [
      [4, 1, 4],
      [0, 4, 1],
    ];
    const y = embedding.forward(indices);
    const r = normals(12);
    y.mul(input(r, [2, 3, 2]))
      .sum()
      .backward();
    const expected = new Array(10).fill(0);
    indices.flat().forEach((v, position) => {
      expected[2 * v] += r[2 * position]!;
      expected[2 * v + 1] += r[2 * position + 1]!;
    });
    close(embedding.weight.grad!.data, expected);
  });

  test('attention, one head: V̄ = PᵀŌ, P̄ = ŌVᵀ, S̄ = P ⊙ (P̄ − rowsum(P̄ ⊙ P)), Q̄ = S̄K/√d, K̄ = S̄ᵀQ/√d', () => {
    const [t, d] = [4, 3];
    const [q, k, v] = [
      leaf(normals(t * d), [t, d]),
      leaf(normals(t * d), [t, d]),
      leaf(normals(t * d), [t, d]),
    ];
    const scale = 1 / Math.sqrt(d);
    // causal: −∞ above the diagonal before the softmax
    const allowed = tensor(
      Array.from({ length: t }, (_, i) => Array.from({ length: t }, (_, j) => (j <= i ? 1 : 0))),
    );
    const p = q
      .matmul(k.transpose())
      .mul(scale)
      .where(allowed, new Tensor(Float64Array.of(Number.NEGATIVE_INFINITY), [1]))
      .softmax(-1);
    const o = p.matmul(v);
    const oBar = normals(t * d);
    o.mul(input(oBar, [t, d]))
      .sum()
      .backward();
    // the same by hand, with plain arrays
    const at = (m: ArrayLike<number>, cols: number) => (i: number, j: number) => m[i * cols + j]!;
    const [P, Ob, Q, K, V] = [at(p.data, t), at(oBar, d), at(q.data, d), at(k.data, d), at(v.data, d)];
    const vBar = Array.from({ length: t * d }, (_, n) => {
      const [j, c] = [Math.floor(n / d), n % d];
      let s = 0;
      for (let i = 0; i < t; i++) s += P(i, j) * Ob(i, c);
      return s;
    });
    const pBar = (i: number, j: number) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += Ob(i, c) * V(j, c);
      return s;
    };
    const sBar = (i: number, j: number) => {
      let dot = 0;
      for (let m = 0; m < t; m++) dot += pBar(i, m) * P(i, m);
      return P(i, j) * (pBar(i, j) - dot);
    };
    const qBar = Array.from({ length: t * d }, (_, n) => {
      const [i, c] = [Math.floor(n / d), n % d];
      let s = 0;
      for (let j = 0; j < t; j++) s += sBar(i, j) * K(j, c);
      return s * scale;
    });
    const kBar = Array.from({ length: t * d }, (_, n) => {
      const [j, c] = [Math.floor(n / d), n % d];
      let s = 0;
      for (let i = 0; i < t; i++) s += sBar(i, j) * Q(i, c);
      return s * scale;
    });
    close(v.grad!.data, vBar);
    close(q.grad!.data, qBar);
    close(k.grad!.data, kBar);
  });
});
