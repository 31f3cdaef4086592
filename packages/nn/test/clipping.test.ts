import { compile, type Tensor, tensor, Value } from '@adjoint/autograd';
import { Adam, clipGradNorm, clipGradValue, SGD } from '@adjoint/nn';
import { describe, expect, test } from 'vitest';
import clippingJson from './goldens/clipping.json';

// torch.nn.utils.clip_grad_norm_ and clip_grad_value_ (PyTorch 1.13) on seeded random gradients, written
// by goldens/clipping.py; the test never runs PyTorch.
interface Case {
  grads: number[][];
  shapes: number[][];
  norm2: { maxNorm: number; normType: number; total: number; clipped: number[][] };
  normInf: { maxNorm: number; normType: 'inf'; total: number; clipped: number[][] };
  norm1: { maxNorm: number; normType: number; total: number; clipped: number[][] };
  value: { clipValue: number; clipped: number[][] };
}
const { cases } = clippingJson as unknown as { cases: Case[] };

/** Parameters whose gradients are the case's. */
function withGrads(c: Case): Tensor[] {
  return c.shapes.map((shape, i) => {
    const p = tensor(new Float64Array(c.grads[i]!.length), { shape, requiresGrad: true });
    p.grad = tensor(Float64Array.from(c.grads[i]!), { shape });
    return p;
  });
}

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  for (const [i, v] of actual.entries())
    expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(expected[i]!)));
}

describe("gradient clipping equals PyTorch's", () => {
  test.each(cases.map((c, i) => [i, c] as const))(
    'case %i: by the global 2-, 1- and ∞-norm, and by value',
    (_i, c) => {
      for (const which of ['norm2', 'norm1', 'normInf'] as const) {
        const params = withGrads(c);
        const { maxNorm, normType, total, clipped } = c[which];
        const norm = clipGradNorm(params, maxNorm, { normType });
        expect(Math.abs(norm - total)).toBeLessThanOrEqual(1e-14 * total);
        for (const [k, p] of params.entries()) expectClose(Array.from(p.grad!.data), clipped[k]!);
      }
      const params = withGrads(c);
      clipGradValue(params, c.value.clipValue);
      for (const [k, p] of params.entries()) expect(Array.from(p.grad!.data)).toEqual(c.value.clipped[k]);
    },
  );

  test('a gradient under the norm is scaled by 1; Values clip too; a compiled step clips at every call', () => {
    const small = withGrads(cases[0]!);
    const before = small.map((p) => Array.from(p.grad!.data));
    clipGradNorm(small, 100);
    expect(small.map((p) => Array.from(p.grad!.data))).toEqual(before);
    const v = new Value(3);
    v.mul(v).backward(); // grad 6
    expect(clipGradNorm([v], 2)).toBe(6);
    expect(v.grad).toBeCloseTo((6 * 2) / (6 + 1e-6), 15);
    const w = tensor([3, -4], { requiresGrad: true });
    const step = compile((x: Tensor) => {
      w.zeroGrad();
      x.mul(w).sum().backward();
      clipGradNorm([w], 1);
      return x;
    });
    step(tensor([3, 4]));
    step(tensor([6, 8]));
    expect(Array.from(w.grad!.data)).toEqual([6 / (10 + 1e-6), 8 / (10 + 1e-6)]);
  });

  test('an optimizer asked to clip does so before each update, as the functions would by hand', () => {
    for (const make of [
      (ps: Tensor[]) => new SGD(ps, { lr: 0.1, clipGradNorm: 1, clipGradValue: 0.3 }),
      (ps: Tensor[]) => new Adam(ps, { lr: 0.1, clipGradNorm: 1 }),
    ]) {
      const auto = withGrads(cases[1]!);
      make(auto).step();
      const hand = withGrads(cases[1]!);
      clipGradNorm(hand, 1);
      if (make.toString().includes('clipGradValue')) clipGradValue(hand, 0.3);
      const plain = make.toString().includes('SGD')
        ? new SGD(hand, { lr: 0.1 })
        : new Adam(hand, { lr: 0.1 });
      plain.step();
      expect(auto.map((p) => Array.from(p.data))).toEqual(hand.map((p) => Array.from(p.data)));
    }
    expect(() => new SGD(withGrads(cases[0]!), { lr: 1, clipGradNorm: -1 })).toThrow(
      'SGD: expected clipGradNorm to be a positive number, got -1',
    );
  });

  test('bad input names itself', () => {
    const p = withGrads(cases[0]!);
    expect(() => clipGradNorm(p, 0)).toThrow('clipGradNorm: expected maxNorm to be a positive number, got 0');
    expect(() => clipGradNorm(p, 1, { normType: 0.5 })).toThrow(
      "clipGradNorm: expected normType to be a number ≥ 1 or 'inf', got 0.5",
    );
    expect(() => clipGradNorm(p, 1, { norm: 2 } as never)).toThrow(
      "clipGradNorm: unknown option 'norm'; did you mean 'normType'?",
    );
    expect(() => clipGradValue(p, -1)).toThrow(
      'clipGradValue: expected clipValue to be a positive number, got -1',
    );
  });
});
