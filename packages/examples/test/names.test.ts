import { noGrad, tensor } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';
import { ALPHABET, names, windows } from '../src/data/names';
import { namesBigram } from '../src/names-bigram';
import { maskedLoss, namesGpt, sequences } from '../src/names-gpt';
import { namesManual } from '../src/names-manual';
import { namesMlp } from '../src/names-mlp';
import { principalPlane } from '../src/names-plot';

// The names examples in their quick modes, asserting what each claims, and the data they share.

/** The names MLP's parameters, by the names PyTorch's state_dict of the same tree gives them. */
const MLP_PARAMETERS = [
  'embed.weight',
  'hidden.weight',
  'hidden.bias',
  'norm.weight',
  'norm.bias',
  'out.weight',
  'out.bias',
];

describe('the names data', () => {
  test('8,403 names of letters a–z, each once, split 6,722 / 841 / 840 by the seed', () => {
    const a = names(0);
    const all = [...a.train, ...a.dev, ...a.test];
    expect([a.train.length, a.dev.length, a.test.length]).toEqual([6722, 841, 840]);
    expect(new Set(all).size).toBe(8403);
    for (const name of all) expect(name).toMatch(/^[a-z]+$/);
    expect(names(0)).toEqual(a);
    expect(names(1).train).not.toEqual(a.train);
    expect([...names(1).train, ...names(1).dev, ...names(1).test].sort()).toEqual(all.sort());
  });

  test('windows: each letter and the end mark, with the letters before it, padded with start marks', () => {
    expect(windows(['ab'], 3)).toEqual({
      x: [
        [0, 0, 0],
        [0, 0, 1],
        [0, 1, 2],
      ],
      y: [1, 2, 0],
    });
    expect(ALPHABET).toHaveLength(27);
    expect(() => windows(['a-b'], 2)).toThrow("names: '-' is not in the alphabet");
  });

  test('sequences and the masked loss: padding is never learned', () => {
    const { x, y, mask } = sequences(['ab'], 5);
    expect({ x, y, mask }).toEqual({ x: [[0, 1, 2, 0, 0]], y: [[1, 2, 0, 0, 0]], mask: [[1, 1, 1, 0, 0]] });
    // logits that put all their weight on the right letter where the mask is 1: the loss is that of the
    // three real targets alone, whatever the padded positions predict
    const logits = tensor(
      [
        [
          [0, 9, 0],
          [0, 0, 9],
          [9, 0, 0],
          [0, 0, 9],
          [0, 9, 0],
        ],
      ].map((row) => row.map((r) => [...r, ...new Array(24).fill(0)])),
    );
    const expected = -Math.log(Math.exp(9) / (Math.exp(9) + 26));
    expect(maskedLoss(logits, tensor(y), tensor(mask)).item()).toBeCloseTo(expected, 12);
    expect(() => sequences(['abcdef'], 6)).toThrow("names-gpt: 'abcdef' has 6 letters; the context holds 5");
  });
});

describe('the names examples (quick)', () => {
  test('names-bigram: the learned table reaches the counted one, and with one generator starts the same names', () => {
    const result = namesBigram({ quick: true });
    const { counted, learned } = result.nll;
    // add-one counts are (nearly) the best a bigram can do; the learned table gets within 0.03 of them
    expect(counted.dev).toBeLessThan(2.45);
    expect(learned.train - counted.train).toBeGreaterThan(0);
    expect(learned.train - counted.train).toBeLessThan(0.03);
    expect(result.gap).toBeLessThan(0.05);
    // each row of both tables is a distribution
    for (const table of [result.counted, result.learned])
      for (let r = 0; r < 27; r++) {
        const row = table.subarray(r * 27, (r + 1) * 27);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }
    // the same draws through nearly the same tables: the first names agree, until a draw falls between them
    expect(result.samples.counted.slice(0, 3)).toEqual(result.samples.learned.slice(0, 3));
    expect(namesBigram({ quick: true, epochs: 5 }).samples.counted).toEqual(result.samples.counted);
  }, 30_000);

  test('the principal plane of a table whose rows lie on a plane keeps every distance between them', () => {
    // 12 points of a plane, placed in 5 dimensions by two orthonormal directions and an offset
    const [u, v] = [
      [0.6, 0, 0.8, 0, 0],
      [0, 0.28, 0, 0.96, 0],
    ];
    const flat = Array.from({ length: 12 }, (_, i) => [
      Math.cos(i * 1.7) * (1 + i),
      Math.sin(i * 0.9) * 0.5 + i * 0.1,
    ]);
    const rows = flat.map(([a, b]) => u.map((x, j) => a! * x + b! * v[j]! + j));
    const plane = principalPlane(rows);
    const distance = (p: readonly number[], q: readonly number[]) =>
      Math.hypot(...p.map((x, j) => x - q[j]!));
    for (let i = 0; i < 12; i++)
      for (let k = 0; k < i; k++)
        expect(Math.abs(distance(plane[i]!, plane[k]!) - distance(flat[i]!, flat[k]!))).toBeLessThan(1e-9);
    // the first axis carries the larger spread
    const spread = (axis: number) => plane.reduce((s, p) => s + p[axis]! ** 2, 0);
    expect(spread(0)).toBeGreaterThan(spread(1));
  });

  test('names-mlp: BatchNorm helps after one epoch; the dev loss is under 2.35', async () => {
    const { runs, samples, mlp, figures } = namesMlp({ quick: true });
    expect((await figures()).map((f) => f.name)).toEqual(['names-mlp-embedding', 'names-mlp-loss']);
    const [withNorm, without] = runs;
    expect(withNorm!.batchNorm).toBe(true);
    expect(withNorm!.dev).toBeLessThan(2.35);
    expect(withNorm!.dev).toBeLessThan(without!.dev);
    expect(mlp.training).toBe(false);
    expect(mlp.namedParameters().map(([n]) => n)).toEqual(MLP_PARAMETERS);
    expect(mlp.namedBuffers().map(([n]) => n)).toEqual([
      'norm.running_mean',
      'norm.running_var',
      'norm.num_batches_tracked',
    ]);
    for (const name of samples) expect(name).toMatch(/^[a-z]*$/);
  }, 60_000);

  test('names-manual: the bars written by hand train the MLP as autodiff does, step for step', () => {
    const result = namesManual({ quick: true });
    expect(Object.keys(result.firstStep)).toEqual(MLP_PARAMETERS);
    // every parameter's gradient at the first step, to rounding
    for (const g of Object.values(result.firstStep)) expect(g).toBeLessThan(1e-15);
    // and 300 steps later the two runs are still one: the losses, the parameters, the dev loss
    const { autodiff, byHand } = result.losses;
    expect(autodiff).toHaveLength(300);
    autodiff.forEach((l, i) => {
      expect(Math.abs(l - byHand[i]!)).toBeLessThan(1e-14);
    });
    expect(autodiff.at(-1)!).toBeLessThan(autodiff[0]! - 0.5);
    expect(result.parameterGap).toBeLessThan(1e-14);
    expect(Math.abs(result.dev.byHand - result.dev.autodiff)).toBeLessThan(1e-14);
  }, 60_000);

  test('names-gpt: from log 27 to a dev loss under 2.32 in 300 steps, with the same samples per seed', async () => {
    const result = namesGpt({ quick: true });
    expect(result.dev.initial).toBeCloseTo(Math.log(27), 1);
    expect(result.dev.final).toBeLessThan(2.32);
    expect(
      result.gpt
        .namedParameters()
        .map(([n]) => n)
        .slice(0, 4),
    ).toEqual(['tokens.weight', 'positions.weight', 'blocks.0.ln1.weight', 'blocks.0.ln1.bias']);
    // the attention maps: a [1, heads, T, T] per layer whose rows add up to 1, and their picture
    const weights = noGrad(() => result.gpt.attention(tensor([[0, 5, 13, 13, 1]])));
    expect(weights.map((w) => w.shape)).toEqual([
      [1, 2, 5, 5],
      [1, 2, 5, 5],
    ]);
    for (const w of weights) {
      const sums = w.sum(-1).data;
      for (const total of sums) expect(Math.abs(total - 1)).toBeLessThan(1e-12);
    }
    const figures = await result.figures();
    expect(figures.map((f) => f.name)).toEqual(['names-gpt-attention', 'names-gpt-loss']);
    expect(figures[0]!.svg).toMatch(/where each position looks, reading '[a-z]{5,}'/);
    // a seed gives the same run, step for step, and the same names
    const [a, b] = [namesGpt({ quick: true, epochs: 20 }), namesGpt({ quick: true, epochs: 20 })];
    expect(a.losses).toEqual(b.losses);
    expect(a.samples).toEqual(b.samples);
  }, 120_000);
});
