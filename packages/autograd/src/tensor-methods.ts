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

/** Any node the ops take (the base class cannot name Tensor, which extends it). */
interface Node extends TensorNode<Node> {}

/** The node itself, as the ops take it. */
function self<T>(node: TensorMethods<T>): Node {
  return node as unknown as Node;
}

/** The methods Tensor inherits (documented on Tensor): one line each over ops/, which checks the arguments. */
export abstract class TensorMethods<T> {
  // Reductions, over reduce.ts. A full reduction gives a rank-0 tensor.
  /** Σ over `axis` (a number, a list, or all axes). */
  sum(axis?: Axes, keepDims = false): T {
    return reduce('sum', self(this), axis, keepDims) as T;
  }
  /** The mean over `axis` (a number, a list, or all axes). */
  mean(axis?: Axes, keepDims = false): T {
    return reduce('mean', self(this), axis, keepDims) as T;
  }
  /** The maximum over `axis`; tied maxima share the gradient evenly. */
  max(axis?: Axes, keepDims = false): T {
    return reduce('max', self(this), axis, keepDims) as T;
  }
  /** The minimum over `axis`; tied minima share the gradient evenly. */
  min(axis?: Axes, keepDims = false): T {
    return reduce('min', self(this), axis, keepDims) as T;
  }
  /** log Σ exp(x) over `axis`, shifted by the maximum so that it neither overflows nor underflows. */
  logSumExp(axis?: Axes, keepDims = false): T {
    return reduce('logSumExp', self(this), axis, keepDims) as T;
  }
  /** exp(x) / Σ exp(x) along `axis` (default the last), computed from x - max(x) so it cannot overflow. */
  softmax(axis = -1): T {
    return softmax(self(this), axis) as T;
  }
  /** x - logSumExp(x) along `axis` (default the last): finite wherever softmax would underflow to 0. */
  logSoftmax(axis = -1): T {
    return logSoftmax(self(this), axis) as T;
  }

  // Shapes: one line each over layout.ts, which checks the arguments.
  /** The same elements in a new shape (one axis may be -1, inferred); shares the data. */
  reshape(shape: readonly number[]): T {
    return reshape(self(this), shape) as T;
  }
  /** Permutes the axes: output axis i is input axis `axes[i]`; by default the axes are reversed. */
  transpose(axes?: readonly number[]): T {
    return transpose(self(this), axes) as T;
  }
  /** The transpose of a 2-D tensor. */
  get T(): T {
    return transpose2d(self(this)) as T;
  }
  /** The elements start ≤ i < end along one axis (negative positions count from the end). */
  slice(axis: number, start: number, end?: number): T {
    return slice(self(this), axis, start, end) as T;
  }
  /** PyTorch's gather: out[…, i, …] = x[…, index[…, i, …], …] along `axis`; the result has the index's shape. */
  gather(index: T | number | NestedArray | NDArray, axis: number): T {
    return gather(self(this), index, axis) as T;
  }
  /** This tensor repeated along new leading axes and size-1 axes to fill `shape`. */
  broadcastTo(shape: readonly number[]): T {
    return broadcastTo(self(this), shape) as T;
  }
  /** Sums the axes that broadcasting to this shape added or stretched, leaving `shape`: the adjoint of broadcastTo. */
  sumTo(shape: readonly number[]): T {
    return sumTo(self(this), shape) as T;
  }

  /**
   * PyTorch's conv2d: x [N, C, H, W] with weight [O, C / groups, kH, kW] gives [N, O, H', W'].
   * @example
   * {@includeCode ../doc-examples/conv2d.ts}
   */
  conv2d(weight: T, options?: Conv2dOptions): T {
    return conv2d(self(this), weight as unknown as Node, options) as T;
  }
  /**
   * The maximum of each kernel-sized window (stride defaults to the kernel).
   * @example
   * {@includeCode ../doc-examples/max-pool2d.ts}
   */
  maxPool2d(kernel: Pair, options?: PoolOptions): T {
    return maxPool2d(self(this), kernel, options) as T;
  }
  /** The mean of each kernel-sized window, padding counted. */
  avgPool2d(kernel: Pair, options?: PoolOptions): T {
    return avgPool2d(self(this), kernel, options) as T;
  }
  /** The axes from `startAxis` (default 1) on, merged into one. */
  flatten(startAxis = 1): T {
    return flatten(self(this), startAxis) as T;
  }
}
