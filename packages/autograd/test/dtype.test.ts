import {
  arange,
  customOp,
  type DType,
  eye,
  full,
  linear,
  ones,
  randn,
  type Tensor,
  tensor,
  where,
  zeros,
} from '@adjoint/autograd';
import { broadcastPair, shape, tensorOf } from '@adjoint/autograd/arbitraries';
import { gradcheck, numericGrad } from '@adjoint/autograd/testing';
import { fc, it } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { matmul } from '../src/kernels/matmul';
import { type BinaryName, binaryRules, type UnaryName, unaryRules } from '../src/rules/elementwise';

// float32 tensors: Float32Array storage beside the float64 default. Elementwise results are the float64
// result rounded once, so most checks below are exact: against Math.fround of the float64 computation.

const f32 = (x: Tensor) => x.astype('float32');
const round = (xs: ArrayLike<number>) => Array.from(xs, Math.fround);

describe('creation', () => {
  test('every creation function takes { dtype }, and a Float32Array makes a float32 tensor', () => {
    const made: [Tensor, Float32ArrayConstructor | Float64ArrayConstructor][] = [
      [tensor([[0.1, 0.2]], { dtype: 'float32' }), Float32Array],
      [tensor(Float32Array.of(1, 2)), Float32Array],
      [tensor(Float32Array.of(1, 2), { dtype: 'float64' }), Float64Array],
      [tensor([0.1]), Float64Array],
      [zeros([2], { dtype: 'float32' }), Float32Array],
      [ones([2], { dtype: 'float32' }), Float32Array],
      [full([2], 0.1, { dtype: 'float32' }), Float32Array],
      [arange(0, 1, 0.1, { dtype: 'float32' }), Float32Array],
      [eye(2, 2, { dtype: 'float32' }), Float32Array],
      [randn([3], { seed: 1, dtype: 'float32' }), Float32Array],
    ];
    for (const [t, kind] of made) {
      expect(t.data).toBeInstanceOf(kind);
      expect(t.dtype).toBe(kind === Float32Array ? 'float32' : 'float64');
    }
    // the values are the float64 ones, rounded to nearest
    expect(Array.from(tensor([0.1, 1 / 3], { dtype: 'float32' }).data)).toEqual(round([0.1, 1 / 3]));
    expect(Array.from(randn([5], { seed: 7, dtype: 'float32' }).data)).toEqual(
      round(randn([5], { seed: 7 }).data),
    );
  });

  test('a number beyond float32 range and an unknown dtype are errors that name them', () => {
    expect(() => tensor([1, 1e39], { dtype: 'float32' })).toThrow(
      /element 1 \(1e\+39\) is beyond the range of float32/,
    );
    expect(() => full([1], -1e300, { dtype: 'float32' })).toThrow(/beyond the range of float32/);
    expect(() => zeros([1], { dtype: 'float16' as DType })).toThrow(
      /expected dtype 'float32' or 'float64', got the string "float16"/,
    );
    expect(() => tensor([1]).astype('int32' as DType)).toThrow(/astype: expected dtype/);
  });
});

describe('elementwise ops in float32', () => {
  const values = fc.double({ min: -4, max: 4, noNaN: true });
  const unaryNames = Object.keys(unaryRules) as UnaryName[];
  const binaryNames = (Object.keys(binaryRules) as BinaryName[]).filter((n) => n !== 'pow');

  it.prop([tensorOf(shape({ maxSize: 4 }), values), fc.constantFrom(...unaryNames)])(
    'a unary op on float32 is the float64 op on the same numbers, rounded once',
    (x64, name) => {
      const x = f32(x64);
      const exact = x.astype('float64')[name]();
      const y = x[name]();
      expect(y.dtype).toBe('float32');
      expect(Array.from(y.data)).toEqual(round(exact.data));
    },
  );

  it.prop([
    broadcastPair({ maxSize: 3 }).chain(([sa, sb]) => fc.tuple(tensorOf(sa, values), tensorOf(sb, values))),
    fc.constantFrom(...binaryNames),
  ])('a binary op on float32 broadcasts and rounds the same way', ([a64, b64], name) => {
    const [a, b] = [f32(a64), f32(b64)];
    const y = a[name](b);
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.data)).toEqual(round(a.astype('float64')[name](b.astype('float64')).data));
  });

  it.prop([tensorOf(shape({ minRank: 1, maxSize: 5 }), values)])(
    'sums accumulate in float64 and round once; max, softmax and logSumExp stay float32',
    (x64) => {
      const x = f32(x64);
      const wide = x.astype('float64');
      expect(Array.from(x.sum(-1).data)).toEqual(round(wide.sum(-1).data));
      expect(Array.from(x.max(0).data)).toEqual(Array.from(wide.max(0).data));
      for (const y of [x.softmax(), x.logSumExp(), x.logSoftmax(), x.mean(), x.transpose(), x.reshape([-1])])
        expect(y.dtype).toBe('float32');
    },
  );
});

describe('promotion and gradients', () => {
  test('a number keeps a float32 tensor float32; a float64 tensor promotes it', () => {
    const x = tensor([1.5, -2], { dtype: 'float32' });
    expect(x.mul(2).add(0.1).sub(1).div(3).pow(2).maximum(0).dtype).toBe('float32');
    expect(x.gt(0).dtype).toBe('float32');
    expect(where(x.gt(0), x, 0).dtype).toBe('float32');
    expect(where(x.gt(0), 1, x).dtype).toBe('float32');
    expect(x.add(tensor([1, 1])).dtype).toBe('float64');
    expect(x.reshape([1, 2]).matmul(tensor([[1], [2]])).dtype).toBe('float64');
  });

  test('every gradient has its leaf’s dtype, cast back where a float32 input was promoted', () => {
    const x = tensor([0.1, 0.2, 0.3], { dtype: 'float32', requiresGrad: true });
    const y = tensor([1 / 3, 2 / 3, 1], { requiresGrad: true });
    x.mul(y).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.data)).toEqual(round(y.data)); // ∂/∂x Σ xy = y, rounded to float32
    expect(y.grad!.dtype).toBe('float64');
    expect(Array.from(y.grad!.data)).toEqual(Array.from(x.data)); // = x, exactly (widening is exact)
  });

  test('astype is differentiable: the gradient is cast back', () => {
    const x = tensor([0.1, 0.7, -2.3], { requiresGrad: true });
    const w = tensor([1 / 3, 1 / 7, 5], { dtype: 'float32' });
    const y = x.astype('float32').mul(w).sum();
    expect(y.dtype).toBe('float32');
    y.backward();
    expect(x.grad!.dtype).toBe('float64');
    expect(Array.from(x.grad!.data)).toEqual(Array.from(w.data));
    // and under createGraph the cast is recorded: d/dx of (d/dx Σ (x32)² · 1) = 2
    const z = tensor([0.5, 1.5], { requiresGrad: true });
    const [g] = [z.astype('float32').pow(2).sum()].map((s) => {
      s.backward({ createGraph: true });
      return z.grad!;
    });
    expect(g!.dtype).toBe('float64');
    expect(Array.from(g!.data)).toEqual([1, 3]);
  });

  it.prop([
    fc.integer({ min: 1, max: 6 }),
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 1, max: 4 }),
    fc.nat(),
  ])('a float32 network’s gradients match the float64 network’s to float32 precision', (n, d, h, seed) => {
    const grads = (dtype: DType) => {
      const X = randn([n, d], { seed, dtype });
      const W = randn([h, d], { seed: seed + 1, dtype, requiresGrad: true });
      const b = randn([h], { seed: seed + 2, dtype, requiresGrad: true });
      linear(X, W).add(b).tanh().pow(2).logSumExp(-1).mean().backward();
      return [W.grad!, b.grad!];
    };
    const [single, double] = [grads('float32'), grads('float64')];
    single.forEach((g, i) => {
      expect(g.dtype).toBe('float32');
      const ref = double[i]!;
      const scale = Math.max(1, ...Array.from(ref.data, Math.abs));
      g.data.forEach((v, j) => {
        expect(Math.abs(v - ref.data[j]!)).toBeLessThan(1e-5 * scale);
      });
    });
  });

  test('matmul in float32 stays within the float32 error bound of the float64 product', () => {
    const [m, k, n] = [37, 300, 29];
    const a = randn([m, k], { seed: 3, dtype: 'float32' });
    const b = randn([k, n], { seed: 4, dtype: 'float32' });
    const c32 = a.matmul(b).data;
    const c64 = a.astype('float64').matmul(b.astype('float64')).data;
    const absolute = a.astype('float64').abs().matmul(b.astype('float64').abs()).data;
    const gamma = (k * 2 ** -24) / (1 - k * 2 ** -24); // Higham's γ_k for a length-k dot product
    c32.forEach((v, i) => {
      expect(Math.abs(v - c64[i]!)).toBeLessThanOrEqual(gamma * absolute[i]!);
    });
    expect(Array.from(c32)).not.toEqual(Array.from(c64)); // it really accumulated in float32
    // mixed operands promote to a float64 product
    expect(matmul(a, b.astype('float64'), false, false, [m, n])).toBeInstanceOf(Float64Array);
  });

  test("a custom op's gradients are cast to its inputs' dtypes, as the built-in ops' are", () => {
    // a vjp that (carelessly) answers in float64 for a float32 input
    const double = customOp<Tensor>({
      name: 'double',
      forward: (x) => x.mul(2),
      vjp: (g) => [g.astype('float64').mul(2)],
    });
    const x = tensor([0.1, 0.2], { dtype: 'float32', requiresGrad: true });
    double(x).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.data)).toEqual([2, 2]);
  });

  test('the seed and a gradient set by hand must have the dtype of their tensor', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward(tensor([1, 1]))).toThrow(/the seed is float64, the output is float32/);
    expect(() => {
      x.grad = tensor([0, 0]);
    }).toThrow(/grad: expected dtype float32, got float64/);
    y.backward(tensor([1, 1], { dtype: 'float32' }));
    expect(Array.from(x.grad!.data)).toEqual([2, 2]);
    expect(String(x)).toContain('float32');
  });

  test('gradcheck and numericGrad insist on float64', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    expect(() => gradcheck((t) => t.sum(), [x])).toThrow(
      /input 0 is float32; finite differences need float64/,
    );
    expect(() => numericGrad((t) => t.sum(), [x])).toThrow(/input 0 is float32/);
    expect(gradcheck((t) => t.pow(2).sum(), [tensor([1, 2], { requiresGrad: true })]).ok).toBe(true);
  });
});
