// The shapes of vmap's batching rules (rule.ts's BatchRule): each brings the batch to a form the op's own
// kernel takes, the batch axis one more outer axis of the op, and runs the primitive once on the whole
// batch. An input the batch does not reach is broadcast along it only where the op cannot broadcast.
import { broadcastTo } from '../kernels/loops.js';
import type { NDArray } from '../ndarray.js';
import { bind } from '../run.js';
import type { BatchRule, Primitive } from './rule.js';

/** An op whose attributes do not change with a leading axis: elementwise of one input, casts, copies. */
export function sameAttrs<A>(
  inputs: readonly NDArray[],
  _batched: readonly boolean[],
  attrs: A,
  _size: number,
  run: (inputs: readonly NDArray[], attrs: A) => NDArray,
): NDArray {
  return run(inputs, attrs);
}

/**
 * An op that broadcasts its inputs to `shape(attrs)` (elementwise of several inputs, matmul's batch axes):
 * batched inputs get size-1 axes after the batch axis up to the output's rank, the others stay as they are.
 */
export function broadcasting<A>(
  shapeOf: (attrs: A) => readonly number[],
  withShape: (attrs: A, shape: number[]) => A,
): BatchRule<A> {
  return (inputs, batched, attrs, size, run) => {
    const shape = shapeOf(attrs);
    return run(
      inputs.map((x, i) => (batched[i] ? aligned(x, shape.length) : x)),
      withShape(attrs, [size, ...shape]),
    );
  };
}

/** An op over named axes (reductions, layout): every input batched, each axis one further out. */
export function alongAxes<A>(shifted: (attrs: A, size: number) => A): BatchRule<A> {
  return (inputs, batched, attrs, size, run) => run(leading(inputs, batched, size), shifted(attrs, size));
}

/** An op on [N, …] images or rows: the batch merged into N for one run, and split off its result. */
export function mergedBatch<A>(shifted: (attrs: A, size: number) => A = (attrs) => attrs): BatchRule<A> {
  return (inputs, batched, attrs, size, run) => {
    const merged = leading(inputs, batched, size).map((x) => ({
      data: x.data,
      shape: [size * x.shape[1]!, ...x.shape.slice(2)],
    }));
    const out = run(merged, shifted(attrs, size));
    return { data: out.data, shape: [size, out.shape[0]! / size, ...out.shape.slice(1)] };
  };
}

/** Each axis one further out, past the batch axis. */
export function outward(axes: readonly number[]): readonly number[] {
  return axes.map((a) => a + 1);
}

/** `x` [B, ...s] viewed as [B, 1, …, 1, ...s] of rank `rank` + 1 (the data is shared). */
function aligned(x: NDArray, rank: number): NDArray {
  const inner = x.shape.slice(1);
  return { data: x.data, shape: [x.shape[0]!, ...new Array<number>(rank - inner.length).fill(1), ...inner] };
}

/** Every input with the batch axis leading: one the batch does not reach is broadcast along it. */
function leading(inputs: readonly NDArray[], batched: readonly boolean[], size: number): NDArray[] {
  return inputs.map((x, i) => (batched[i] ? x : bind('broadcastTo', SPREAD, [x], [size, ...x.shape])));
}

/** The broadcast of an input along the batch, as a primitive of its own so that compile sees it. */
const SPREAD: Primitive<readonly number[]> = {
  forward: ([x], shape) => ({ data: broadcastTo(x!, shape), shape }),
};
