import {
  concat,
  layerNorm,
  noGrad,
  oneHot,
  scaledDotProductAttention,
  stack,
  Tensor,
  tensor,
} from '@adjoint/autograd';
import { broadcastPair, shape, tensorOf } from '@adjoint/autograd/arbitraries';
import { fc } from '@fast-check/vitest';
import type { Window } from '../src/kernels/window';
import { broadcastShapes } from '../src/ndarray';
import type { BinaryName, UnaryName } from '../src/rules/elementwise';
import { layoutRules } from '../src/rules/layout';
import { product } from '../src/rules/matmul';
import type { reduceRules } from '../src/rules/reduce';
import { windowRules } from '../src/rules/window';

// Every Tensor op has a row here (ops.grad.test.ts checks its vjp, transforms.test.ts its jvp): a generator of cases (inputs in the op's domain, shapes of rank 0 to 4,
// broadcasting on either side) and the op applied to them. Each row is checked against central
// differences along a random direction, and its Hessian-vector product against differences of the
// gradient. The key type is built from the op tables, so an op without a row does not compile.
// `astype` is the exception: finite differences cannot see through float32 rounding, so dtype.test.ts
// checks its gradient exactly instead.
type OpName =
  | UnaryName
  | BinaryName
  | keyof typeof reduceRules
  | Exclude<keyof typeof layoutRules, 'astype'>
  | 'sub'
  | 'leakyRelu'
  | 'where'
  | 'broadcastTo'
  | 'sumTo'
  | 'matmul'
  | 'matmulNT'
  | 'matmulTN'
  | 'mean'
  | 'logSumExp'
  | 'softmax'
  | 'logSoftmax'
  | 'stack'
  | 'T'
  | keyof typeof windowRules
  | 'conv2d'
  | 'maxPool2d'
  | 'avgPool2d'
  | 'flatten'
  | 'scaledDotProductAttention'
  | 'layerNorm';

/** One case of an op: the op as a function of its inputs, and inputs in its domain. */
export interface Case {
  readonly f: (...xs: Tensor[]) => Tensor;
  readonly inputs: Tensor[];
}

const real = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const awayFromZero = (gap: number, max = 3) => real(-max, max).filter((x) => Math.abs(x) > gap);
const anyShape = shape({ maxSize: 3 });
const nonScalar = shape({ minRank: 1, maxSize: 3 });

/** Cases of a one-input op over any shape. */
const one = (f: (x: Tensor) => Tensor, values = real(-3, 3)): fc.Arbitrary<Case> =>
  tensorOf(anyShape, values).map((x) => ({ f, inputs: [x] }));

/** Cases of a two-input op over broadcast-compatible shapes. */
const two = (f: (a: Tensor, b: Tensor) => Tensor, va = real(-3, 3), vb = va): fc.Arbitrary<Case> =>
  broadcastPair({ maxSize: 3 }).chain(([sa, sb]) =>
    fc.tuple(tensorOf(sa, va), tensorOf(sb, vb)).map(([a, b]) => ({ f, inputs: [a, b] })),
  );

/** An element gap of at least 1e-3 between any two values: finite differences must not cross a tie. */
const distinct = (x: Tensor) => {
  const sorted = Array.from(x.data).sort((p, q) => p - q);
  return sorted.every((v, i) => i === 0 || v - sorted[i - 1]! > 1e-3);
};

/** A tensor of rank ≥ 1 with a list of axes to reduce (some given as negative) and keepDims. */
const reduction = (
  f: (x: Tensor, axes: number[], keepDims: boolean) => Tensor,
  values = real(-3, 3),
): fc.Arbitrary<Case> =>
  nonScalar.chain((s) =>
    fc
      .tuple(
        tensorOf(s, values),
        fc.subarray(
          s.map((_, i) => i),
          { minLength: 1 },
        ),
        fc.boolean(),
        fc.boolean(),
      )
      .map(([x, axes, negative, keepDims]) => ({
        f: (t: Tensor) => f(t, negative ? axes.map((a) => a - s.length) : axes, keepDims),
        inputs: [x],
      })),
  );

/** A tensor of rank ≥ 1 and one of its axes. */
const alongAxis = <T>(f: (x: Tensor, axis: number) => fc.Arbitrary<T>): fc.Arbitrary<T> =>
  tensorOf(nonScalar).chain((x) => fc.nat({ max: x.ndim - 1 }).chain((axis) => f(x, axis)));

/** An image [N, C, H, W] and a window that fits it: kernel, stride, padding and dilation per axis. */
const windowCase = (f: (x: Tensor, w: Window) => Case): fc.Arbitrary<Case> =>
  fc
    .record({
      kernel: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      padding: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
      dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    })
    .chain((w) =>
      tensorOf(
        fc.tuple(
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 3, max: 4 }),
          fc.integer({ min: 3, max: 4 }),
        ),
      ).map((x) => f(x, w)),
    );

/**
 * A max-pooling window (padding at most half the kernel, as maxPool2d allows) and an image whose values
 * come from `values`: distinct ones for maxPool itself, a few small integers (so ties are frequent) for
 * its scatter and gather, which are linear in their first input and read only the routes off the image.
 */
export const poolCase = (distinct: boolean, f: (x: Tensor, w: Window) => Case): fc.Arbitrary<Case> =>
  fc
    .record({
      kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      planes: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 3, max: 5 }),
      w: fc.integer({ min: 3, max: 5 }),
      pad: fc.tuple(fc.boolean(), fc.boolean()),
    })
    .chain(({ kernel, stride, planes, h, w, pad }) => {
      const window: Window = {
        kernel,
        stride,
        padding: [pad[0] ? kernel[0] >> 1 : 0, pad[1] ? kernel[1] >> 1 : 0],
        dilation: [1, 1],
      };
      const size = planes * h * w;
      const values = distinct
        ? fc.shuffledSubarray(
            Array.from({ length: size }, (_, i) => (i - size / 2) * 0.137),
            { minLength: size, maxLength: size },
          )
        : fc.array(fc.integer({ min: 0, max: 2 }), { minLength: size, maxLength: size });
      return values.map((v) => f(new Tensor(Float64Array.from(v), [1, planes, h, w]), window));
    });

const matmulCase = (variant: 'nn' | 'nt' | 'tn'): fc.Arbitrary<Case> =>
  fc
    .tuple(
      broadcastPair({ maxRank: 2, maxSize: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
    )
    .chain(([[ba, bb], m, k, n]) =>
      fc
        .tuple(
          tensorOf([...ba, ...(variant === 'tn' ? [k, m] : [m, k])]),
          tensorOf([...bb, ...(variant === 'nt' ? [n, k] : [k, n])]),
        )
        .map(([a, b]) => ({ f: (x: Tensor, y: Tensor) => product(x, y, variant), inputs: [a, b] })),
    );

/** Every Tensor op's cases, keyed by op: the table both differentiation modes are checked over. */
export const specs: Record<OpName, fc.Arbitrary<Case>> = {
  neg: one((x) => x.neg()),
  exp: one((x) => x.exp()),
  log: one((x) => x.log(), real(0.2, 3)),
  tanh: one((x) => x.tanh()),
  sigmoid: one((x) => x.sigmoid(), real(-6, 6)),
  relu: one((x) => x.relu(), awayFromZero(1e-3)),
  leakyRelu: one((x) => x.leakyRelu(0.2), awayFromZero(1e-3)),
  sin: one((x) => x.sin()),
  cos: one((x) => x.cos()),
  sqrt: one((x) => x.sqrt(), real(0.2, 3)),
  abs: one((x) => x.abs(), awayFromZero(1e-3)),
  softplus: one((x) => x.softplus(), real(-6, 6)),
  erf: one((x) => x.erf(), real(-3, 3)),
  add: two((a, b) => a.add(b)),
  sub: two((a, b) => a.sub(b)),
  mul: two((a, b) => a.mul(b)),
  div: two((a, b) => a.div(b), real(-3, 3), awayFromZero(0.3)),
  pow: two((a, b) => a.pow(b), real(0.5, 2), real(-2, 2)),
  maximum: two((a, b) => a.maximum(b)).filter(({ inputs: [a, b] }) => a!.sub(b!).abs().min().item() > 1e-3),
  minimum: two((a, b) => a.minimum(b)).filter(({ inputs: [a, b] }) => a!.sub(b!).abs().min().item() > 1e-3),
  where: two((a, b) => a.where(a.gt(b), b)).filter(
    ({ inputs: [a, b] }) => a!.sub(b!).abs().min().item() > 1e-3,
  ),
  sum: reduction((x, axes, keep) => x.sum(axes, keep)),
  mean: reduction((x, axes, keep) => x.mean(axes, keep)),
  max: reduction((x, axes, keep) => x.max(axes, keep)).filter(({ inputs: [x] }) => distinct(x!)),
  min: reduction((x, axes, keep) => x.min(axes, keep)).filter(({ inputs: [x] }) => distinct(x!)),
  logSumExp: reduction((x, axes, keep) => x.logSumExp(axes, keep), real(-5, 5)),
  softmax: reduction((x, axes) => x.softmax(axes[0]), real(-5, 5)),
  logSoftmax: reduction((x, axes) => x.logSoftmax(axes[0]), real(-5, 5)),
  broadcastTo: broadcastPair({ maxSize: 3 }).chain(([sa, sb]) =>
    tensorOf(sa).map((x) => ({
      f: (t: Tensor) => t.broadcastTo(broadcastShapes('test', sa, sb)),
      inputs: [x],
    })),
  ),
  sumTo: broadcastPair({ maxSize: 3 }).chain(([sa, sb]) =>
    tensorOf(broadcastShapes('test', sa, sb)).map((x) => ({ f: (t: Tensor) => t.sumTo(sa), inputs: [x] })),
  ),
  reshape: tensorOf(anyShape).chain((x) =>
    fc.constantFrom([-1], [...x.shape].reverse(), [1, ...x.shape, 1], [x.size, -1]).map((target) => ({
      f: (t: Tensor) => t.reshape(target),
      inputs: [x],
    })),
  ),
  transpose: tensorOf(anyShape).chain((x) =>
    fc
      .shuffledSubarray(
        x.shape.map((_, i) => i),
        { minLength: x.ndim, maxLength: x.ndim },
      )
      .map((axes) => ({ f: (t: Tensor) => t.transpose(axes), inputs: [x] })),
  ),
  T: tensorOf(shape({ minRank: 2, maxRank: 2 })).map((x) => ({ f: (t: Tensor) => t.T, inputs: [x] })),
  slice: alongAxis((x, axis) =>
    fc.tuple(fc.nat({ max: x.shape[axis]! - 1 }), fc.nat({ max: x.shape[axis]! - 1 })).map(([p, q]) => ({
      f: (t: Tensor) => t.slice(axis, Math.min(p, q), Math.max(p, q) + 1),
      inputs: [x],
    })),
  ),
  padAxis: alongAxis((x, axis) =>
    fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })).map(([start, extra]) => ({
      f: (t: Tensor) =>
        t.applyRule('padAxis', layoutRules.padAxis, { axis, start, size: x.shape[axis]! + start + extra }),
      inputs: [x],
    })),
  ),
  concat: alongAxis((x, axis) =>
    fc
      .array(
        fc.integer({ min: 1, max: 3 }).chain((d) => tensorOf(x.shape.map((s, i) => (i === axis ? d : s)))),
        { minLength: 0, maxLength: 2 },
      )
      .map((rest) => ({ f: (...ts: Tensor[]) => concat(ts, axis), inputs: [x, ...rest] })),
  ),
  stack: tensorOf(anyShape).chain((x) =>
    fc
      .tuple(fc.array(tensorOf(x.shape), { minLength: 0, maxLength: 2 }), fc.nat({ max: x.ndim }))
      .map(([rest, axis]) => ({ f: (...ts: Tensor[]) => stack(ts, axis), inputs: [x, ...rest] })),
  ),
  gather: alongAxis((x, axis) =>
    fc
      .tuple(...x.shape.map((d, i) => fc.integer({ min: 1, max: i === axis ? 4 : d })))
      .chain((indexShape) => tensorOf(indexShape, fc.nat({ max: x.shape[axis]! - 1 })))
      .map((index) => ({ f: (t: Tensor) => t.gather(index, axis), inputs: [x] })),
  ),
  scatterAdd: alongAxis((x, axis) =>
    fc
      .tuple(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat({ max: 2 }), { minLength: x.ndim, maxLength: x.ndim }),
      )
      .chain(([size, extra]) => {
        const target = x.shape.map((d, i) => (i === axis ? size : d + extra[i]!));
        return tensorOf(x.shape, fc.nat({ max: size - 1 })).map((index) => ({
          f: (t: Tensor) => t.applyRule('scatterAdd', layoutRules.scatterAdd, { index, axis, shape: target }),
          inputs: [x],
        }));
      }),
  ),
  // the labels carry no gradient (their rule's vjp is null): the rows it makes weigh a differentiable input
  oneHot: fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
    .chain(([n, c]) =>
      fc.tuple(tensorOf([n, c]), fc.array(fc.nat({ max: c - 1 }), { minLength: n, maxLength: n })),
    )
    .map(([x, labels]) => ({
      f: (t: Tensor) => t.mul(oneHot(tensor(labels), t.shape[1]!)).sum(),
      inputs: [x],
    })),
  unfold: windowCase((x, w) => ({
    f: (t: Tensor) => t.applyRule('unfold', windowRules.unfold, { ...w, fill: 0 }),
    inputs: [x],
  })),
  fold: windowCase((x, w) => {
    const columns = noGrad(() => x.applyRule('unfold', windowRules.unfold, { ...w, fill: 0 }));
    return {
      f: (t: Tensor) => t.applyRule('fold', windowRules.fold, { ...w, shape: x.shape }),
      inputs: [columns.detach()],
    };
  }),
  maxPool: poolCase(true, (x, w) => ({
    f: (t: Tensor) => t.applyRule('maxPool', windowRules.maxPool, w),
    inputs: [x],
  })),
  // both read the pooled maxima beside x, as maxPool's vjp and jvp pass them
  maxScatter: poolCase(false, (x, w) => {
    const pooled = noGrad(() => x.applyRule('maxPool', windowRules.maxPool, w));
    return {
      f: (g: Tensor) => g.applyRule('maxScatter', windowRules.maxScatter, w, [x, pooled]),
      inputs: [pooled.add(0.5)],
    };
  }),
  maxGather: poolCase(false, (x, w) => {
    const pooled = noGrad(() => x.applyRule('maxPool', windowRules.maxPool, w));
    return {
      f: (v: Tensor) => v.applyRule('maxGather', windowRules.maxGather, w, [x, pooled]),
      inputs: [x.add(0.25)],
    };
  }),
  conv2d: fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      perGroup: fc.integer({ min: 1, max: 2 }),
      out: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 3, max: 5 }),
      w: fc.integer({ min: 3, max: 5 }),
      k: fc.integer({ min: 1, max: 2 }),
      stride: fc.integer({ min: 1, max: 2 }),
      padding: fc.integer({ min: 0, max: 1 }),
      dilation: fc.integer({ min: 1, max: 2 }),
    })
    .chain((o) =>
      fc
        .tuple(
          tensorOf([o.n, o.groups * o.perGroup, o.h, o.w]),
          tensorOf([o.groups * o.out, o.perGroup, o.k, o.k]),
        )
        .map(([x, weight]) => ({
          f: (a: Tensor, b: Tensor) =>
            a.conv2d(b, { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups }),
          inputs: [x, weight],
        })),
    ),
  // distinct values, so no finite difference crosses a tie between a window's elements
  maxPool2d: fc
    .shuffledSubarray(
      Array.from({ length: 40 }, (_, i) => (i - 20) * 0.137),
      { minLength: 40, maxLength: 40 },
    )
    .map((values) => ({
      f: (t: Tensor) => t.maxPool2d(2, { stride: 1, padding: 1 }),
      inputs: [new Tensor(Float64Array.from(values), [1, 2, 4, 5])],
    })),
  avgPool2d: tensorOf([2, 1, 5, 4]).map((x) => ({
    f: (t: Tensor) => t.avgPool2d([2, 3], { stride: [2, 1], padding: [1, 1] }),
    inputs: [x],
  })),
  flatten: tensorOf([2, 3, 2]).map((x) => ({ f: (t: Tensor) => t.flatten(), inputs: [x] })),
  matmul: matmulCase('nn'),
  matmulNT: matmulCase('nt'),
  matmulTN: matmulCase('tn'),
  // over the last one or two axes, with a weight and a bias; rows of at least two values (a row of one
  // normalises to 0 whatever it holds), eps small beside their spread
  layerNorm: fc
    .tuple(shape({ maxRank: 2, maxSize: 3 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 2 }))
    .chain(([lead, d, k]) => {
      const normalized = k === 1 ? [d] : [2, d];
      return fc
        .tuple(tensorOf([...lead, ...normalized]), tensorOf(normalized), tensorOf(normalized))
        .map(([x, w, b]) => ({
          f: (a: Tensor, wt: Tensor, bs: Tensor) =>
            layerNorm(a, normalized, { weight: wt, bias: bs, eps: 1e-3 }),
          inputs: [x, w, b],
        }));
    }),
  // L queries and S keys of width E, either side's batch broadcast, with and without the causal mask
  scaledDotProductAttention: fc
    .tuple(
      broadcastPair({ maxRank: 2, maxSize: 2 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
    )
    .chain(([[bq, bk], l, n, e, causal]) =>
      fc
        .tuple(tensorOf([...bq, l, e]), tensorOf([...bk, n, e]), tensorOf([...bk, n, e + 1]))
        .map(([q, k, v]) => ({
          f: (a: Tensor, b: Tensor, c: Tensor) => scaledDotProductAttention(a, b, c, { causal }),
          inputs: [q, k, v],
        })),
    ),
};
