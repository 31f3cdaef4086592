import { layerNorm, randn, type Tensor } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';

/** (x − μ)/√(σ² + eps)·w + b over the last `k` axes, by loops over numbers in float64. */
function byHand(x: Tensor, k: number, eps: number, w?: Tensor, b?: Tensor): number[] {
  const d = x.shape.slice(x.ndim - k).reduce((p, q) => p * q, 1);
  const data = Array.from(x.data);
  const out: number[] = [];
  for (let start = 0; start < data.length; start += d) {
    const row = data.slice(start, start + d);
    const mean = row.reduce((s, v) => s + v, 0) / d;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / d;
    row.forEach((v, j) => {
      out.push(((v - mean) / Math.sqrt(variance + eps)) * (w?.data[j] ?? 1) + (b?.data[j] ?? 0));
    });
  }
  return out;
}

describe('layerNorm', () => {
  test.each([
    [[4, 6], [6]],
    [
      [2, 3, 5],
      [3, 5],
    ],
    [[7], [7]],
  ])(
    'x %j over %j, with and without weight and bias, as the formula computes it (float64)',
    (shape, normalized) => {
      const x = randn(shape, { seed: 1 }).mul(3).add(2);
      const [w, b] = [randn(normalized, { seed: 2 }), randn(normalized, { seed: 3 })];
      const k = normalized.length;
      for (const [got, want] of [
        [layerNorm(x, normalized), byHand(x, k, 1e-5)],
        [layerNorm(x, normalized, { weight: w, bias: b, eps: 0.1 }), byHand(x, k, 0.1, w, b)],
      ] as const) {
        expect(got.shape).toEqual(shape);
        for (const [i, v] of Array.from(got.data).entries()) expect(v).toBeCloseTo(want[i]!, 13);
      }
    },
  );

  test('float32: each value is the float64 one rounded once (to within an ulp)', () => {
    const x = randn([64, 64], { seed: 4 }).mul(5).astype('float32');
    const y64 = layerNorm(x.astype('float64'), 64).data;
    const y32 = layerNorm(x, 64).data;
    expect(y32).toBeInstanceOf(Float32Array);
    let worst = 0;
    for (let i = 0; i < y32.length; i++) {
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(y64[i]!))) - 23);
      worst = Math.max(worst, Math.abs(y32[i]! - y64[i]!) / ulp);
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  test('each row has mean 0 and variance 1/(1 + eps/σ²); the gradient of a sum of outputs is 0', () => {
    const x = randn([3, 10], { seed: 5 }).mul(2);
    x.requiresGrad = true;
    const y = layerNorm(x, 10, { eps: 0 });
    const rows = y.toArray() as number[][];
    for (const row of rows) {
      const mean = row.reduce((s, v) => s + v, 0) / 10;
      expect(mean).toBeCloseTo(0, 14);
      expect(row.reduce((s, v) => s + (v - mean) ** 2, 0) / 10).toBeCloseTo(1, 13);
    }
    // shifting a row moves nothing, so Σ y has no gradient along it; here Σ y is 0 whatever x is
    y.sum().backward();
    for (const g of x.grad!.data) expect(Math.abs(g)).toBeLessThan(1e-14);
  });
});
