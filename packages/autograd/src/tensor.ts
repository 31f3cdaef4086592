import { isAnomalyEnabled, watchForward } from './anomaly';
import { checkIndex, checkPermutation, countOver, matmulShape, position, resolveReshape } from './checks';
import { backward, isGradEnabled, type Node, type Origin, type Vjp } from './graph';
import { map, select, zip } from './kernels';
import { layoutOps } from './layout';
import { type MatmulVariant, matmulOp } from './linalg';
import {
  allocate,
  broadcastShapes,
  checkDType,
  checkShape,
  type DType,
  dtypeOf,
  type NDArray,
  normalizeAxes,
  normalizeAxis,
  reducedShape,
  type Storage,
  sizeOf,
} from './ndarray';
import {
  type BinaryName,
  type BinaryRule,
  binaryRules,
  type Elementwise,
  leakyReluRule,
  type UnaryName,
  type UnaryRule,
  unaryRules,
} from './ops';
import { broadcastOp, reduceOps } from './reduce';
import { describe, formatShape, ShapeError, sameShape } from './shape';
import type { TensorOp } from './tensor-op';
import type { BackwardOptions } from './value';

/** A nested array of numbers, as `tensor()` takes and `toArray()` gives. A number is rank 0. */
export type NestedArray = number | readonly NestedArray[];

/** A Tensor, or a number standing for a rank-0 constant. */
export type TensorLike = Tensor | number;

/** An axis, a list of axes, or undefined for all of them. */
export type Axes = number | readonly number[] | undefined;

/**
 * An n-d array node of the computation graph: row-major contiguous `data` with a `shape`, float64
 * (Float64Array) by default or float32 (Float32Array). Ops broadcast like NumPy, promote mixed dtypes
 * to float64, record themselves when an input requires grad, and `backward()` fills in `grad` on the
 * leaves that require it, in each leaf's dtype.
 */
export class Tensor implements Node<Tensor>, Elementwise<Tensor> {
  readonly data: Storage;
  readonly shape: readonly number[];
  label: string;
  /** The op that made this node ('' for a leaf), as `toDot` shows it. */
  readonly op: string;
  /** The op's inputs: the graph, walked backward by `backward()`. */
  readonly parents: readonly Tensor[];
  readonly vjp: Vjp<Tensor> | null;
  /** The accumulated adjoint (the same as `grad`); with `createGraph` it can be differentiated again. */
  adjoint: Tensor | null = null;
  /** Set by `retainGrad()`. */
  retainsGrad = false;
  /** @internal Scratch for the topological sort (graph.ts); not part of the API. */
  sortIndex = 0;
  #requiresGrad: boolean;

  /** Wraps `data` (not copied) as an array of `shape`; its type is the dtype. Prefer `tensor()`, which validates its input. */
  constructor(data: Storage, shape: readonly number[], origin?: Origin<Tensor>, label = '') {
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.label = label;
    this.op = origin?.op ?? '';
    this.parents = origin?.parents ?? [];
    this.vjp = origin?.vjp ?? null;
    this.#requiresGrad = origin?.requiresGrad ?? false;
  }

  /** Whether gradients flow to this tensor; may be set on leaves only. */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (this.vjp !== null)
      throw new Error(`requiresGrad: can only be set on a leaf; this tensor comes from ${this.op}`);
    this.#requiresGrad = value;
  }

  /** 'float64' (Float64Array data) or 'float32' (Float32Array data). */
  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** ∂(output)/∂(this) after `backward()`, shaped like this tensor; null before. */
  get grad(): Tensor | null {
    return this.adjoint;
  }

  set grad(g: Tensor | null) {
    if (g !== null && !sameShape(g.shape, this.shape)) {
      throw new ShapeError(`grad: expected shape ${formatShape(this.shape)}, got ${formatShape(g.shape)}`);
    }
    if (g !== null && g.dtype !== this.dtype) {
      throw new TypeError(`grad: expected dtype ${this.dtype}, got ${g.dtype}`);
    }
    this.adjoint = g;
  }

  // Elementwise, with broadcasting: one line each over the shared op table.
  add(other: TensorLike): Tensor {
    return binary('add', this, other);
  }
  sub(other: TensorLike): Tensor {
    return this.add(asTensor(other, 'sub', this.dtype).neg());
  }
  mul(other: TensorLike): Tensor {
    return binary('mul', this, other);
  }
  div(other: TensorLike): Tensor {
    return binary('div', this, other);
  }
  pow(other: TensorLike): Tensor {
    return binary('pow', this, other);
  }
  maximum(other: TensorLike): Tensor {
    return binary('maximum', this, other);
  }
  minimum(other: TensorLike): Tensor {
    return binary('minimum', this, other);
  }
  neg(): Tensor {
    return unary('neg', this);
  }
  exp(): Tensor {
    return unary('exp', this);
  }
  log(): Tensor {
    return unary('log', this);
  }
  tanh(): Tensor {
    return unary('tanh', this);
  }
  sigmoid(): Tensor {
    return unary('sigmoid', this);
  }
  /** max(x, 0); its derivative at 0 is 1, as seed 000 (eq. 11) defines it. */
  relu(): Tensor {
    return unary('relu', this);
  }
  /** x for x ≥ 0, `slope`·x below (default 0.01); derivative 1 at 0. */
  leakyRelu(slope = 0.01): Tensor {
    if (typeof slope !== 'number' || !Number.isFinite(slope)) {
      throw new RangeError(`leakyRelu: expected slope to be a finite number, got ${describe(slope)}`);
    }
    const rule = leakyReluRule(slope);
    return record(map(this.data, rule.f), this.shape, 'leakyRelu', [this], unaryVjp(rule));
  }
  sin(): Tensor {
    return unary('sin', this);
  }
  cos(): Tensor {
    return unary('cos', this);
  }
  sqrt(): Tensor {
    return unary('sqrt', this);
  }
  /** |x|; its derivative at 0 is 0. */
  abs(): Tensor {
    return unary('abs', this);
  }
  /** log(1 + eˣ), finite for any finite x. */
  softplus(): Tensor {
    return unary('softplus', this);
  }

  // Comparisons give 0/1 constants: they are not differentiable and record nothing.
  gt(other: TensorLike): Tensor {
    return compare('gt', this, other, (a, b) => (a > b ? 1 : 0));
  }
  ge(other: TensorLike): Tensor {
    return compare('ge', this, other, (a, b) => (a >= b ? 1 : 0));
  }
  lt(other: TensorLike): Tensor {
    return compare('lt', this, other, (a, b) => (a < b ? 1 : 0));
  }
  le(other: TensorLike): Tensor {
    return compare('le', this, other, (a, b) => (a <= b ? 1 : 0));
  }
  eq(other: TensorLike): Tensor {
    return compare('eq', this, other, (a, b) => (a === b ? 1 : 0));
  }

  /** `this` where `cond` is nonzero, `other` elsewhere (broadcasting all three); the gradient goes to the branch taken. */
  where(cond: TensorLike, other: TensorLike): Tensor {
    const c = asTensor(cond, 'where', this.dtype);
    const b = asTensor(other, 'where', this.dtype);
    const shape = broadcastShapes('where', broadcastShapes('where', this.shape, c.shape), b.shape);
    return record(select(c, this, b, shape), shape, 'where', [this, c, b], whereVjp);
  }

  // Reductions. A full reduction gives a rank-0 tensor.
  /** Σ over `axis` (a number, a list, or all axes). */
  sum(axis?: Axes, keepDims = false): Tensor {
    return apply('sum', reduceOps.sum, [this], { axes: normalizeAxes('sum', axis, this.ndim), keepDims });
  }
  /** The mean over `axis` (a number, a list, or all axes). */
  mean(axis?: Axes, keepDims = false): Tensor {
    const axes = normalizeAxes('mean', axis, this.ndim);
    return this.sum(axes, keepDims).div(countOver('mean', this.shape, axes));
  }
  /** The maximum over `axis`; tied maxima share the gradient evenly. */
  max(axis?: Axes, keepDims = false): Tensor {
    const axes = normalizeAxes('max', axis, this.ndim);
    countOver('max', this.shape, axes);
    return apply('max', reduceOps.max, [this], { axes, keepDims });
  }
  /** The minimum over `axis`; tied minima share the gradient evenly. */
  min(axis?: Axes, keepDims = false): Tensor {
    const axes = normalizeAxes('min', axis, this.ndim);
    countOver('min', this.shape, axes);
    return apply('min', reduceOps.min, [this], { axes, keepDims });
  }
  /** log Σ exp(x) over `axis`, shifted by the maximum so that it neither overflows nor underflows. */
  logSumExp(axis?: Axes, keepDims = false): Tensor {
    const axes = normalizeAxes('logSumExp', axis, this.ndim);
    countOver('logSumExp', this.shape, axes);
    const shift = this.maxShift(axes);
    const out = this.sub(shift).exp().sum(axes, true).log().add(shift);
    return keepDims ? out : out.reshape(reducedShape(this.shape, axes, false));
  }
  /** exp(x) / Σ exp(x) along `axis` (default the last), computed from x - max(x) so it cannot overflow. */
  softmax(axis = -1): Tensor {
    const a = normalizeAxis('softmax', axis, this.ndim);
    const e = this.sub(this.maxShift([a])).exp();
    return e.div(e.sum(a, true));
  }
  /**
   * x - logSumExp(x) along `axis` (default the last): finite wherever softmax would underflow to 0.
   * Computed as (x - max) - log Σ exp(x - max), so the large max cancels exactly before the small log-sum
   * is subtracted (x - logSumExp(x) loses the low bits of the log-sum to cancellation).
   */
  logSoftmax(axis = -1): Tensor {
    const a = normalizeAxis('logSoftmax', axis, this.ndim);
    const shifted = this.sub(this.maxShift([a]));
    return shifted.sub(shifted.exp().sum(a, true).log());
  }

  /**
   * The max over `axes` (kept) as a constant, and 0 where it is not finite. Subtracting a constant
   * leaves the gradient of logSumExp and softmax unchanged, so no gradient flows through the shift.
   */
  private maxShift(axes: readonly number[]): Tensor {
    const m = reduceOps.max.forward([this], { axes, keepDims: true });
    return new Tensor(
      map(m.data, (v) => (Number.isFinite(v) ? v : 0)),
      m.shape,
    );
  }

  /**
   * The elements as `dtype` ('float32' rounds each to nearest); this tensor itself when it has that
   * dtype already. Differentiable: the gradient is cast back.
   */
  astype(dtype: DType): Tensor {
    const target = checkDType('astype', dtype);
    return target === this.dtype ? this : apply('astype', layoutOps.astype, [this], target);
  }

  // Shapes.
  /** The same elements in a new shape (one axis may be -1, inferred); shares the data. */
  reshape(shape: readonly number[]): Tensor {
    const target = resolveReshape(this.shape, shape);
    return sameShape(target, this.shape) ? this : apply('reshape', layoutOps.reshape, [this], target);
  }
  /** Permutes the axes: output axis i is input axis `axes[i]`; by default the axes are reversed. */
  transpose(axes?: readonly number[]): Tensor {
    const perm =
      axes === undefined ? this.shape.map((_, i) => this.ndim - 1 - i) : checkPermutation(axes, this.ndim);
    return apply('transpose', layoutOps.transpose, [this], perm);
  }
  /** The transpose of a 2-D tensor. */
  get T(): Tensor {
    if (this.ndim !== 2)
      throw new ShapeError(
        `T: expected a 2-D tensor, got shape ${formatShape(this.shape)}; use transpose(axes)`,
      );
    return this.transpose();
  }
  /** The elements start ≤ i < end along one axis (negative positions count from the end). */
  slice(axis: number, start: number, end?: number): Tensor {
    const a = normalizeAxis('slice', axis, this.ndim);
    const size = this.shape[a]!;
    const [from, to] = [position('slice', start, size), position('slice', end ?? size, size)];
    if (from > to)
      throw new RangeError(`slice: start ${start} is after end ${end} on axis ${axis} of size ${size}`);
    return apply('slice', layoutOps.slice, [this], { axis: a, start: from, end: to });
  }
  /** Zeros of length `size` along `axis`, with this tensor written from `start`: the adjoint of `slice`. */
  padAxis(axis: number, start: number, size: number): Tensor {
    return apply('padAxis', layoutOps.padAxis, [this], { axis, start, size });
  }
  /** PyTorch's gather: out[…, i, …] = x[…, index[…, i, …], …] along `axis`; the result has the index's shape. */
  gather(index: TensorLike | NestedArray | NDArray, axis: number): Tensor {
    const a = normalizeAxis('gather', axis, this.ndim);
    return apply('gather', layoutOps.gather, [this], {
      index: checkIndex('gather', index, this.shape, a),
      axis: a,
    });
  }
  /** Adds this tensor into zeros of `shape` at `index` along `axis`: the adjoint of `gather`. */
  scatterAdd(index: NDArray, axis: number, shape: readonly number[]): Tensor {
    return apply('scatterAdd', layoutOps.scatterAdd, [this], { index, axis, shape });
  }
  /** This tensor repeated along new leading axes and size-1 axes to fill `shape`. */
  broadcastTo(shape: readonly number[]): Tensor {
    const target = checkShape('broadcastTo', shape);
    if (!sameShape(broadcastShapes('broadcastTo', this.shape, target), target)) {
      throw new ShapeError(
        `broadcastTo: cannot broadcast ${formatShape(this.shape)} to ${formatShape(target)}`,
      );
    }
    return sameShape(target, this.shape) ? this : apply('broadcastTo', broadcastOp, [this], target);
  }
  /** Sums the axes that broadcasting to this shape added or stretched, leaving `shape`: the adjoint of broadcastTo. */
  sumTo(shape: readonly number[]): Tensor {
    if (sameShape(shape, this.shape)) return this;
    if (!sameShape(broadcastShapes('sumTo', shape, this.shape), this.shape)) {
      throw new ShapeError(`sumTo: ${formatShape(shape)} does not broadcast to ${formatShape(this.shape)}`);
    }
    const lead = this.ndim - shape.length;
    const axes = this.shape
      .map((_, i) => i)
      .filter((i) => i < lead || (shape[i - lead] === 1 && this.shape[i] !== 1));
    return this.sum(axes, true).reshape(shape);
  }

  /** The matrix product over the last two axes; leading (batch) axes broadcast: [..., m, k] @ [..., k, n]. */
  matmul(other: Tensor): Tensor {
    return this.matmulVariant(other, 'nn');
  }
  /** `this`·`other` with either operand read transposed (see linalg.ts): the kernels matmul's adjoints use. */
  matmulVariant(other: Tensor, variant: MatmulVariant): Tensor {
    const shape = matmulShape(this, other, variant);
    return apply('matmul', matmulOp, [this, other], { variant, shape });
  }

  // Values out.
  /** The single element of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new ShapeError(`item: expected a tensor with one element, got shape ${formatShape(this.shape)}`);
    return this.data[0]!;
  }
  /** The elements as nested arrays (a number for rank 0). */
  toArray(): NestedArray {
    const build = (axis: number, offset: number): NestedArray => {
      if (axis === this.ndim) return this.data[offset]!;
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis]! }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }
  /** A leaf that shares this tensor's data and records nothing. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, undefined, this.label);
  }
  snapshot(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }
  allFinite(): boolean {
    for (const v of this.data) if (!Number.isFinite(v)) return false;
    return true;
  }

  /**
   * Backpropagates from this tensor. A one-element output is seeded with 1; any other needs `seed`, a
   * tensor of its shape, and then computes the vector-Jacobian product seedᵀ·J.
   */
  backward(seed?: TensorLike | BackwardOptions, options: BackwardOptions = {}): void {
    if (typeof seed === 'object' && !(seed instanceof Tensor)) {
      this.backward(undefined, seed);
      return;
    }
    if (seed === undefined && this.size !== 1) {
      throw new ShapeError(
        `backward: expected a scalar loss, got shape ${formatShape(this.shape)}; call .sum() or .mean() first, or pass a seed of that shape`,
      );
    }
    const g =
      seed instanceof Tensor ? seed : filled(this.shape, asTensor(seed ?? 1, 'backward').item(), this.dtype);
    if (!sameShape(g.shape, this.shape)) {
      throw new ShapeError(
        `backward: the seed has shape ${formatShape(g.shape)}, the output has ${formatShape(this.shape)}`,
      );
    }
    if (g.dtype !== this.dtype) {
      throw new TypeError(
        `backward: the seed is ${g.dtype}, the output is ${this.dtype}; cast it with astype()`,
      );
    }
    backward(this, g, options.createGraph ?? false);
  }
  /** Forgets this tensor's accumulated gradient. */
  zeroGrad(): void {
    this.adjoint = null;
  }
  /** Asks a non-leaf to keep its adjoint after `backward()`, like a leaf. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }
  toString(): string {
    const name = this.label === '' ? '' : `${this.label}: `;
    const grad = this.requiresGrad ? ', requiresGrad' : '';
    const dtype = this.dtype === 'float64' ? '' : `, ${this.dtype}`;
    return `Tensor(${name}shape ${formatShape(this.shape)}${dtype}${grad}, data ${JSON.stringify(this.toArray())})`;
  }
}

/** A constant tensor of `shape` filled with `value`. */
export function filled(shape: readonly number[], value: number, dtype: DType = 'float64'): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)).fill(value), shape);
}

/**
 * The operand as a Tensor: a number becomes a rank-0 constant of `dtype` (the other operand's), so a
 * number never promotes a float32 tensor, as in PyTorch and JAX.
 */
export function asTensor(x: unknown, op: string, dtype: DType = 'float64'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new TypeError(`${op}: expected a Tensor or a finite number, got ${describe(x)}`);
  }
  return filled([], x, dtype);
}

/**
 * The node for an op's result: recorded with its inputs when any of them needs a gradient. When an
 * input's dtype differs from the result's (a float32 input promoted to float64), its gradient is cast
 * back to its dtype, so every adjoint has its node's dtype.
 */
export function record(
  data: Storage,
  shape: readonly number[],
  op: string,
  parents: readonly Tensor[],
  vjp: Vjp<Tensor>,
): Tensor {
  const recorded = isGradEnabled() && parents.some((p) => p.requiresGrad);
  const dtype = dtypeOf(data);
  const node = recorded
    ? new Tensor(data, shape, {
        op,
        parents,
        vjp: parents.every((p) => p.dtype === dtype) ? vjp : inDTypes(vjp),
        requiresGrad: true,
      })
    : new Tensor(data, shape);
  return isAnomalyEnabled() ? watchForward(node, op) : node;
}

/** `vjp` with each gradient cast to its input's dtype. */
export function inDTypes(vjp: Vjp<Tensor>): Vjp<Tensor> {
  return (g, y, xs) => vjp(g, y, xs).map((gi, i) => gi?.astype(xs[i]!.dtype) ?? null);
}

function apply<A>(name: string, op: TensorOp<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const out = op.forward(inputs, attrs);
  return record(out.data, out.shape, name, inputs, (g, y, xs) => op.vjp(g, y, xs, attrs));
}

function unaryVjp(rule: UnaryRule): Vjp<Tensor> {
  return (g, y, [x]) => [rule.vjp(g, y, x!)];
}

// Broadcasting is the Tensor's business: each gradient of the shared rule is summed back to its input's shape.
function binaryVjp(rule: BinaryRule): Vjp<Tensor> {
  return (g, y, [a, b]) => {
    const [ga, gb] = rule.vjp(g, y, a!, b!);
    return [ga?.sumTo(a!.shape) ?? null, gb?.sumTo(b!.shape) ?? null];
  };
}

const unaryVjps = Object.fromEntries(
  Object.entries(unaryRules).map(([name, rule]) => [name, unaryVjp(rule)]),
) as Record<UnaryName, Vjp<Tensor>>;

const binaryVjps = Object.fromEntries(
  Object.entries(binaryRules).map(([name, rule]) => [name, binaryVjp(rule)]),
) as Record<BinaryName, Vjp<Tensor>>;

function unary(name: UnaryName, x: Tensor): Tensor {
  return record(map(x.data, unaryRules[name].f), x.shape, name, [x], unaryVjps[name]);
}

function binary(name: BinaryName, a: Tensor, other: TensorLike): Tensor {
  const b = asTensor(other, name, a.dtype);
  const shape = broadcastShapes(name, a.shape, b.shape);
  return record(zip(a, b, shape, binaryRules[name].f), shape, name, [a, b], binaryVjps[name]);
}

function compare(name: string, a: Tensor, other: TensorLike, f: (a: number, b: number) => number): Tensor {
  const b = asTensor(other, name, a.dtype);
  const shape = broadcastShapes(name, a.shape, b.shape);
  return new Tensor(zip(a, b, shape, f), shape);
}

// d where(c, a, b) = where(c, da, 0) + where(c, 0, db); the condition gets none
const whereVjp: Vjp<Tensor> = (g, _y, [a, c, b]) => [
  a!.requiresGrad ? g.where(c!, 0).sumTo(a!.shape) : null,
  null,
  b!.requiresGrad ? g.where(c!.eq(0), 0).sumTo(b!.shape) : null,
];

/** Joins tensors end to end along an existing `axis` (default 0); every other axis must match. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = checkTensors('concat', tensors);
  const a = normalizeAxis('concat', axis, first.ndim);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new ShapeError(
        `concat: shapes ${tensors.map((x) => formatShape(x.shape)).join(', ')} differ on an axis other than ${axis}`,
      );
    }
  }
  return tensors.length === 1 ? first : apply('concat', layoutOps.concat, tensors, a);
}

/** Joins equal-shaped tensors along a new `axis` (default 0). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = checkTensors('stack', tensors);
  const a = normalizeAxis('stack', axis, first.ndim + 1);
  for (const t of tensors) {
    if (!sameShape(t.shape, first.shape)) {
      throw new ShapeError(
        `stack: expected equal shapes, got ${tensors.map((x) => formatShape(x.shape)).join(', ')}`,
      );
    }
  }
  const expanded = [...first.shape.slice(0, a), 1, ...first.shape.slice(a)];
  return concat(
    tensors.map((t) => t.reshape(expanded)),
    a,
  );
}

function checkTensors(op: string, tensors: readonly Tensor[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TypeError(`${op}: expected a non-empty array of Tensors, got ${describe(tensors)}`);
  }
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: element ${i} is ${describe(t)}, not a Tensor`);
  });
  return tensors[0]!;
}
