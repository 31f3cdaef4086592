import type { NDArray, NestedArray } from './ndarray.js';
import { broadcastTo, gather, reshape, slice, sumTo, transpose, transpose2d } from './ops/layout.js';
import { logSoftmax, reduce, softmax } from './ops/reduce.js';
import type { Conv2dOptions, Pair, PoolOptions } from './ops/window.js';
import { avgPool2d, conv2d, flatten, maxPool2d } from './ops/window.js';
import type { TensorNode } from './rules/rule.js';

// The methods of Tensor that are one call of an op of ops/ (reductions, shapes, sliding windows), in a
// base class generic in the node type, so that tensor.ts keeps what is the class's own: its state, what
// it records and how its values are read.

/** An axis, a list of axes, or undefined for all of them. */
export type Axes = number | readonly number[] | undefined;

/** The node itself, as the ops take it. */
function self<T extends TensorNode<T>>(node: TensorMethods<T>): T {
  return node as unknown as T;
}

/** @internal The methods Tensor inherits: one line each over ops/, which checks the arguments. */
export abstract class TensorMethods<T extends TensorNode<T>> {
  // Reductions, over reduce.ts. A full reduction gives a rank-0 tensor.
  /** Σ over `axis` (a number, a list, or all axes). */
  sum(axis?: Axes, keepDims = false): T {
    return reduce<T>('sum', self(this), axis, keepDims);
  }
  /** The mean over `axis` (a number, a list, or all axes). */
  mean(axis?: Axes, keepDims = false): T {
    return reduce<T>('mean', self(this), axis, keepDims);
  }
  /** The maximum over `axis`; tied maxima share the gradient evenly. */
  max(axis?: Axes, keepDims = false): T {
    return reduce<T>('max', self(this), axis, keepDims);
  }
  /** The minimum over `axis`; tied minima share the gradient evenly. */
  min(axis?: Axes, keepDims = false): T {
    return reduce<T>('min', self(this), axis, keepDims);
  }
  /** log Σ exp(x) over `axis`, shifted by the maximum so that it neither overflows nor underflows. */
  logSumExp(axis?: Axes, keepDims = false): T {
    return reduce<T>('logSumExp', self(this), axis, keepDims);
  }
  /** exp(x) / Σ exp(x) along `axis` (default the last), computed from x - max(x) so it cannot overflow. */
  softmax(axis = -1): T {
    return softmax<T>(self(this), axis);
  }
  /** x - logSumExp(x) along `axis` (default the last): finite wherever softmax would underflow to 0. */
  logSoftmax(axis = -1): T {
    return logSoftmax<T>(self(this), axis);
  }

  // Shapes: one line each over layout.ts, which checks the arguments.
  /** The same elements in a new shape (one axis may be -1, inferred); shares the data. */
  reshape(shape: readonly number[]): T {
    return reshape<T>(self(this), shape);
  }
  /** Permutes the axes: output axis i is input axis `axes[i]`; by default the axes are reversed. */
  transpose(axes?: readonly number[]): T {
    return transpose<T>(self(this), axes);
  }
  /** The transpose of a 2-D tensor. */
  get T(): T {
    return transpose2d<T>(self(this));
  }
  /** The elements start ≤ i < end along one axis (negative positions count from the end). */
  slice(axis: number, start: number, end?: number): T {
    return slice<T>(self(this), axis, start, end);
  }
  /** PyTorch's gather: out[…, i, …] = x[…, index[…, i, …], …] along `axis`; the result has the index's shape. */
  gather(index: T | number | NestedArray | NDArray, axis: number): T {
    return gather<T>(self(this), index, axis);
  }
  /** This tensor repeated along new leading axes and size-1 axes to fill `shape`. */
  broadcastTo(shape: readonly number[]): T {
    return broadcastTo<T>(self(this), shape);
  }
  /** Sums the axes that broadcasting to this shape added or stretched, leaving `shape`: the adjoint of broadcastTo. */
  sumTo(shape: readonly number[]): T {
    return sumTo<T>(self(this), shape);
  }

  /**
   * PyTorch's conv2d: x [N, C, H, W] with weight [O, C / groups, kH, kW] gives [N, O, H', W'].
   * @example
   * {@includeCode ../doc-examples/conv2d.ts}
   */
  conv2d(weight: T, options?: Conv2dOptions): T {
    return conv2d<T>(self(this), weight, options);
  }
  /**
   * The maximum of each kernel-sized window (stride defaults to the kernel).
   * @example
   * {@includeCode ../doc-examples/max-pool2d.ts}
   */
  maxPool2d(kernel: Pair, options?: PoolOptions): T {
    return maxPool2d<T>(self(this), kernel, options);
  }
  /** The mean of each kernel-sized window, padding counted. */
  avgPool2d(kernel: Pair, options?: PoolOptions): T {
    return avgPool2d<T>(self(this), kernel, options);
  }
  /** The axes from `startAxis` (default 1) on, merged into one. */
  flatten(startAxis = 1): T {
    return flatten<T>(self(this), startAxis);
  }
}
