import { countOver } from './checks';
import { reducedShape } from './ndarray';
import { shiftRule } from './rules/reduce';
import type { TensorNode } from './rules/rule';

// The softmax family, composed of primitives: each subtracts the maximum first, so no exp overflows.

/** The max over `axes` (kept) as a node that passes no gradient, 0 where it is not finite. */
function maxShift<T extends TensorNode<T>>(x: T, axes: readonly number[]): T {
  return x.applyRule('maxShift', shiftRule, axes);
}

/** log Σ exp(x) over `axes` (normalized), shifted by the maximum so that it neither overflows nor underflows. */
export function logSumExp<T extends TensorNode<T>>(x: T, axes: readonly number[], keepDims: boolean): T {
  countOver('logSumExp', x.shape, axes);
  const shift = maxShift(x, axes);
  const out = x.sub(shift).exp().sum(axes, true).log().add(shift);
  return keepDims ? out : out.reshape(reducedShape(x.shape, axes, false));
}

/** exp(x) / Σ exp(x) along `axis` (normalized). */
export function softmax<T extends TensorNode<T>>(x: T, axis: number): T {
  const e = x.sub(maxShift(x, [axis])).exp();
  return e.div(e.sum(axis, true));
}

/**
 * x - logSumExp(x) along `axis` (normalized), computed as (x - max) - log Σ exp(x - max), so the large
 * max cancels exactly before the small log-sum is subtracted (x - logSumExp(x) loses the low bits of the
 * log-sum to cancellation).
 */
export function logSoftmax<T extends TensorNode<T>>(x: T, axis: number): T {
  const shifted = x.sub(maxShift(x, [axis]));
  return shifted.sub(shifted.exp().sum(axis, true).log());
}
