// rules/: every derivative of the engine, each op's forward next to its vector-Jacobian product, in one
// style: `{ forward, vjp }` entries of tables checked with `satisfies`. Imports kernels/ and ndarray.ts only;
// what a vjp needs of a node is stated below as interfaces, so no rule imports Value or Tensor.
import type { DType, NDArray } from '../ndarray.js';

/**
 * The methods an elementwise vjp may call: what `Value` and `Tensor` both provide. Every elementwise
 * rule is written against this interface, so one table serves both engines, and `createGraph` records it.
 */
export interface VjpMethods<N> {
  readonly requiresGrad: boolean;
  add(other: N | number): N;
  sub(other: N | number): N;
  mul(other: N | number): N;
  div(other: N | number): N;
  pow(other: N | number): N;
  neg(): N;
  exp(): N;
  log(): N;
  sin(): N;
  cos(): N;
  sigmoid(): N;
  /** 1 where `this > other`, else 0; not differentiable (its gradient is zero almost everywhere). */
  gt(other: N | number): N;
  ge(other: N | number): N;
  lt(other: N | number): N;
  eq(other: N | number): N;
  /** `this` where `cond` is nonzero, `other` elsewhere; the gradient flows to the branch taken. */
  where(cond: N, other: N | number): N;
}

/**
 * An elementwise primitive: `forward` maps the inputs' numbers at one position to the output's, and the
 * vjp works on either engine. The Tensor engine broadcasts, and sums each gradient back to its input's shape.
 */
export interface ElementwiseRule extends ScalarForward {
  readonly vjp: <N extends VjpMethods<N>>(
    g: N,
    y: N,
    inputs: readonly N[],
    attrs: number,
  ) => readonly (N | null)[];
}

/** What a Tensor rule's vjp needs of a tensor: its shape, the ops the vjps use, and a way to apply a rule. */
export interface TensorNode<T extends TensorNode<T>> extends VjpMethods<T> {
  readonly shape: readonly number[];
  readonly dtype: DType;
  reshape(shape: readonly number[]): T;
  transpose(axes?: readonly number[]): T;
  slice(axis: number, start: number, end?: number): T;
  sum(axis?: number | readonly number[], keepDims?: boolean): T;
  broadcastTo(shape: readonly number[]): T;
  sumTo(shape: readonly number[]): T;
  astype(dtype: DType): T;
  exp(): T;
  /** Records `rule` applied to this node and `others`: how a vjp uses a primitive that has no public method. */
  applyRule<A>(name: string, rule: TensorRule<A>, attrs: A, others?: readonly T[]): T;
}

/**
 * What an op computes at one position: its forward on numbers, and, where a fused loop may write it out
 * inline, the same forward as a JavaScript expression over `$0`, `$1`, … (it must give the same bits).
 */
export interface ScalarForward {
  readonly forward: (...x: number[]) => number;
  readonly source?: string;
  /**
   * The forward as a WGSL expression over `$0`, `$1`… (f32), for a GPU: given where there is no
   * `source`; otherwise the GPU's expression is translated from `source` (webgpu/wgsl.ts).
   */
  readonly wgsl?: string;
}

/**
 * What a fused loop computes of one op at each position of `shape` (compile/fusion.ts): an elementwise
 * function of the inputs there, or a sum over `shape` into `sum` (the reduced shape, its axes kept as 1).
 */
export type LoopStep =
  | {
      readonly fn: (...x: number[]) => number;
      readonly source?: string | undefined;
      /** Its WGSL where it has no source (ScalarForward's `wgsl`), for a device's fused kernel. */
      readonly wgsl?: string | undefined;
      readonly shape: readonly number[];
    }
  | { readonly sum: readonly number[]; readonly shape: readonly number[] };

/**
 * A primitive as the seam (run.ts) runs it: its forward on plain arrays; what a fused loop makes of it,
 * if it may join one; whether it is a copy made only so that no two values share memory (an interpreter
 * that owns the input's array may hand that over instead). `A` holds the arguments that are not arrays.
 */
export interface Primitive<A> {
  readonly forward: (inputs: readonly NDArray[], attrs: A) => NDArray;
  readonly loop?: (inputs: readonly NDArray[], attrs: A, out: NDArray) => LoopStep;
  readonly copy?: boolean;
  /** How it runs on a whole batch at once, under vmap (rules/batching.ts); without one, vmap refuses it. */
  readonly batch?: BatchRule<A>;
}

/**
 * How a primitive runs on a batch (vmap): `inputs` carry a leading batch axis of `size` where `batched`
 * says so (the others are as the op saw them), and the rule makes one run of the primitive itself (`run`,
 * through the seam) on rearranged inputs and attributes, whose result has the batch axis leading.
 */
export type BatchRule<A> = (
  inputs: readonly NDArray[],
  batched: readonly boolean[],
  attrs: A,
  size: number,
  run: (inputs: readonly NDArray[], attrs: A) => NDArray,
) => NDArray;

/**
 * A Tensor primitive: its forward on plain arrays, next to its vjp written with Tensor ops (so it is
 * recorded under createGraph). `A` holds the op's arguments that are not tensors.
 */
export interface TensorRule<A> extends Primitive<A> {
  readonly vjp: <T extends TensorNode<T>>(
    g: T,
    y: T,
    inputs: readonly T[],
    attrs: A,
  ) => readonly (T | null)[];
  /**
   * Its tangent rule, for forward mode: 'linear' for an op linear in its first input that holds the
   * others fixed (it is applied to the tangent itself), or ẏ written with Tensor ops. Without one,
   * forward mode transposes the vjp, exact at about twice the cost.
   */
  readonly jvp?: 'linear' | TensorJvp<A>;
}

/** A Tensor primitive's tangent rule: ẏ from the inputs' tangents (null where an input has none). */
export type TensorJvp<A> = <T extends TensorNode<T>>(
  tangents: readonly (T | null)[],
  y: T,
  inputs: readonly T[],
  attrs: A,
) => T | null;
