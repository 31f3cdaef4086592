import { arrayOf, broadcastShapes, checkShape, isNDArray, normalizeAxis } from '../ndarray.js';
import { layoutRules } from '../rules/layout.js';
import type { TensorNode } from '../rules/rule.js';
import { isConcrete, read } from '../run.js';
import { describe, formatShape, ShapeError, sameShape } from '../shape.js';
import { checkIndex, checkPermutation, position, resolveReshape } from '../validate.js';

// The layout ops behind Tensor's methods: each checks its arguments, then applies its rule.

/** The same elements in a new shape (one axis may be -1, inferred). */
export function reshape<T extends TensorNode<T>>(x: T, shape: readonly number[]): T {
  const target = resolveReshape(x.shape, shape);
  return sameShape(target, x.shape) ? x : x.applyRule('reshape', layoutRules.reshape, target);
}

/** The axes permuted: output axis i is input axis `axes[i]`; reversed by default. */
export function transpose<T extends TensorNode<T>>(x: T, axes?: readonly number[]): T {
  const ndim = x.shape.length;
  const perm = axes === undefined ? x.shape.map((_, i) => ndim - 1 - i) : checkPermutation(axes, ndim);
  return x.applyRule('transpose', layoutRules.transpose, perm);
}

/** The transpose of a 2-D tensor. */
export function transpose2d<T extends TensorNode<T>>(x: T): T {
  if (x.shape.length !== 2)
    throw new ShapeError(`T: expected a 2-D tensor, got shape ${formatShape(x.shape)}; use transpose(axes)`);
  return transpose(x);
}

/** The elements start ≤ i < end along one axis (negative positions count from the end). */
export function slice<T extends TensorNode<T>>(x: T, axis: number, start: number, end?: number): T {
  if (typeof axis !== 'number')
    throw new TypeError(
      `slice: takes one axis at a time, as slice(axis, start, end); got ${describe(axis)} for the axis`,
    );
  const a = normalizeAxis('slice', axis, x.shape.length);
  const size = x.shape[a]!;
  const [from, to] = [position('slice', start, size), position('slice', end ?? size, size)];
  if (from > to)
    throw new RangeError(`slice: start ${start} is after end ${end} on axis ${axis} of size ${size}`);
  return x.applyRule('slice', layoutRules.slice, { axis: a, start: from, end: to });
}

/** PyTorch's gather along `axis`, with the indices checked: integers in range, of the input's rank. */
export function gather<T extends TensorNode<T>>(x: T, index: unknown, axis: number): T {
  const a = normalizeAxis('gather', axis, x.shape.length);
  // The indices are the op's constant (inside compile, part of the program, as they were when traced): a
  // tensor of them that depends on the compiled function's arguments is read as the user would read it,
  // a TraceError, never the indices of the call traced kept for every call
  if (isNDArray(index) && !isConcrete(arrayOf(index)))
    read(
      index,
      arrayOf(index),
      'gather (its index; for indices that change from call to call, multiply by oneHot(indices, n))',
    );
  return x.applyRule('gather', layoutRules.gather, {
    index: checkIndex('gather', index, x.shape, a),
    axis: a,
  });
}

/**
 * One-hot rows of class indices, as PyTorch's `one_hot` and JAX's `jax.nn.one_hot`: `labels` [N] gives
 * [N, classes] float64, row i 1 at column labels[i]. Every label must be an integer in [0, classes); it
 * is checked whenever the rows are made, inside a compiled program too. No gradient flows to the labels.
 */
export function oneHot<T extends TensorNode<T>>(labels: T, classes: number, op = 'oneHot'): T {
  if (!Number.isSafeInteger(classes) || classes < 1)
    throw new RangeError(`${op}: expected classes to be a positive integer, got ${describe(classes)}`);
  if (labels.shape.length !== 1)
    throw new ShapeError(`${op}: expected labels of shape [N], got ${formatShape(labels.shape)}`);
  return labels.applyRule('oneHot', layoutRules.oneHot, { classes, op });
}

/** `x` repeated along new leading axes and size-1 axes to fill `shape`. */
export function broadcastTo<T extends TensorNode<T>>(x: T, shape: readonly number[]): T {
  const target = checkShape('broadcastTo', shape);
  if (!sameShape(broadcastShapes('broadcastTo', x.shape, target), target)) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(target)}`);
  }
  return sameShape(target, x.shape) ? x : x.applyRule('broadcastTo', layoutRules.broadcastTo, target);
}

/** `x` summed over the axes that broadcasting `shape` to x's shape added or stretched. */
export function sumTo<T extends TensorNode<T>>(x: T, shape: readonly number[]): T {
  if (sameShape(shape, x.shape)) return x;
  if (!sameShape(broadcastShapes('sumTo', shape, x.shape), x.shape)) {
    throw new ShapeError(`sumTo: ${formatShape(shape)} does not broadcast to ${formatShape(x.shape)}`);
  }
  const lead = x.shape.length - shape.length;
  const axes = x.shape
    .map((_, i) => i)
    .filter((i) => i < lead || (shape[i - lead] === 1 && x.shape[i] !== 1));
  return x.sum(axes, true).reshape(shape);
}
