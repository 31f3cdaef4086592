import type { NDArray } from './ndarray';
import type { Tensor } from './tensor';

/**
 * A Tensor primitive: its forward on plain arrays, next to its vector-Jacobian product written with
 * Tensor ops (so it is recorded under createGraph). `A` holds the op's arguments that are not tensors.
 */
export interface TensorOp<A> {
  readonly forward: (inputs: readonly NDArray[], attrs: A) => NDArray;
  readonly vjp: (g: Tensor, y: Tensor, inputs: readonly Tensor[], attrs: A) => readonly (Tensor | null)[];
}

/** Declares a Tensor primitive, keeping the type of its arguments. */
export function defineOp<A>(op: TensorOp<A>): TensorOp<A> {
  return op;
}
