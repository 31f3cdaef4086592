import { normalizeAxes, normalizeAxis, reducedShape } from '../ndarray.js';
import { reduceRules, shiftRule } from '../rules/reduce.js';
import type { TensorNode } from '../rules/rule.js';
import { describe } from '../shape.js';
import { countOver } from '../validate.js';

// The reductions behind Tensor's methods, with their checks, and the softmax family composed of them
// (each subtracts the maximum first, so no exp overflows).

/** The reductions of a Tensor method: the primitives, and the composites mean and logSumExp. */
export type Reduction = 'sum' | 'mean' | 'max' | 'min' | 'logSumExp';

/**
 * Reduces `x` over `axis` (a number, a list, or all axes when undefined); `keepDims` keeps them as size-1
 * axes. Reducing 0 elements is an error for all but the sum (a mean of nothing would be a silent NaN).
 */
export function reduce<T extends TensorNode<T>>(
  op: Reduction,
  x: T,
  axis: number | readonly number[] | undefined,
  keepDims: boolean,
): T {
  // sum(1, { keepdims: true }) must not read as true: keepDims is a boolean or nothing
  if (typeof keepDims !== 'boolean')
    throw new TypeError(`${op}: expected keepDims to be true or false, got ${describe(keepDims)}`);
  const axes = normalizeAxes(op, axis, x.shape.length);
  if (op === 'sum') return x.applyRule('sum', reduceRules.sum, { axes, keepDims });
  const count = countOver(op, x.shape, axes);
  if (op === 'mean') return x.sum(axes, keepDims).div(count);
  if (op === 'logSumExp') return logSumExp(x, axes, keepDims);
  return x.applyRule(op, reduceRules[op], { axes, keepDims });
}

/** The max over `axes` (kept) as a node that passes no gradient, 0 where it is not finite. */
function maxShift<T extends TensorNode<T>>(x: T, axes: readonly number[]): T {
  return x.applyRule('maxShift', shiftRule, axes);
}

/** log Σ exp(x) over `axes` (normalized, not empty), shifted by the maximum so that it neither overflows nor underflows. */
function logSumExp<T extends TensorNode<T>>(x: T, axes: readonly number[], keepDims: boolean): T {
  const shift = maxShift(x, axes);
  const out = x.sub(shift).exp().sum(axes, true).log().add(shift);
  return keepDims ? out : out.reshape(reducedShape(x.shape, axes, false));
}

/** exp(x) / Σ exp(x) along `axis`. */
export function softmax<T extends TensorNode<T>>(x: T, axis: number): T {
  const a = normalizeAxis('softmax', axis, x.shape.length);
  const e = x.sub(maxShift(x, [a])).exp();
  return e.div(e.sum(a, true));
}

/**
 * x - logSumExp(x) along `axis`, computed as (x - max) - log Σ exp(x - max), so the large
 * max cancels exactly before the small log-sum is subtracted (x - logSumExp(x) loses the low bits of the
 * log-sum to cancellation).
 */
export function logSoftmax<T extends TensorNode<T>>(x: T, axis: number): T {
  const a = normalizeAxis('logSoftmax', axis, x.shape.length);
  const shifted = x.sub(maxShift(x, [a]));
  return shifted.sub(shifted.exp().sum(a, true).log());
}
