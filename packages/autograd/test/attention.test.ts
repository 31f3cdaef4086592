import { randn, scaledDotProductAttention, type Tensor, tensor } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';

/** softmax(q·kᵀ·scale)·v by loops over numbers, the masked keys left out of the softmax altogether. */
function byHand(q: number[][], k: number[][], v: number[][], scale: number, causal: boolean): number[][] {
  return q.map((qi, i) => {
    const keys = k.map((_, j) => j).filter((j) => !causal || j <= i);
    const scores = keys.map((j) => qi.reduce((s, x, e) => s + x * k[j]![e]!, 0) * scale);
    const top = Math.max(...scores);
    const weights = scores.map((s) => Math.exp(s - top));
    const total = weights.reduce((s, w) => s + w, 0);
    return v[0]!.map((_, c) => keys.reduce((s, j, n) => s + (weights[n]! / total) * v[j]![c]!, 0));
  });
}

const rows = (t: Tensor) => t.toArray() as number[][];

describe('scaledDotProductAttention', () => {
  test.each([
    [3, 5, 2, false],
    [3, 5, 2, true],
    [5, 3, 4, true], // more queries than keys: the last rows see every key
    [1, 1, 3, true],
  ] as const)(
    'L=%i queries, S=%i keys of width %i (causal: %s) as the formula computes it',
    (l, s, e, causal) => {
      const [q, k, v] = [randn([l, e], { seed: 1 }), randn([s, e], { seed: 2 }), randn([s, 3], { seed: 3 })];
      const got = rows(scaledDotProductAttention(q, k, v, { causal }));
      const want = byHand(rows(q), rows(k), rows(v), 1 / Math.sqrt(e), causal);
      for (const [i, x] of got.flat().entries()) expect(x).toBeCloseTo(want.flat()[i]!, 14);
    },
  );

  test('the scale given replaces 1/√E; batch axes broadcast, each batch its own attention', () => {
    const q = randn([2, 1, 3, 4], { seed: 4 });
    const [k, v] = [randn([3, 5, 4], { seed: 5 }), randn([3, 5, 2], { seed: 6 })];
    const out = scaledDotProductAttention(q, k, v, { scale: 0.3 });
    expect(out.shape).toEqual([2, 3, 3, 2]);
    const all = out.toArray() as number[][][][];
    for (const a of [0, 1])
      for (const b of [0, 1, 2]) {
        const want = byHand(
          (q.toArray() as number[][][][])[a]![0]!,
          (k.toArray() as number[][][])[b]!,
          (v.toArray() as number[][][])[b]!,
          0.3,
          false,
        );
        for (const [i, x] of all[a]![b]!.flat().entries()) expect(x).toBeCloseTo(want.flat()[i]!, 14);
      }
  });

  test('a key no query may attend to gets no gradient, nor does its value', () => {
    // 2 queries, 4 keys, causal: keys 2 and 3 are after every query
    const [q, k, v] = [randn([2, 3], { seed: 7 }), randn([4, 3], { seed: 8 }), randn([4, 2], { seed: 9 })];
    for (const x of [q, k, v]) x.requiresGrad = true;
    scaledDotProductAttention(q, k, v, { causal: true })
      .mul(
        tensor([
          [1, -2],
          [0.5, 3],
        ]),
      )
      .sum()
      .backward();
    const [gk, gv] = [rows(k.grad!), rows(v.grad!)];
    expect([gk[2], gk[3], gv[2], gv[3]]).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0],
      [0, 0],
    ]);
    // query 0 sees key 0 alone: its output is v[0], whatever q[0] is, so q[0] gets no gradient either
    expect(rows(q.grad!)[0]).toEqual([0, 0, 0]);
    expect(rows(k.grad!)[1]!.some((g) => g !== 0)).toBe(true);
  });
});
