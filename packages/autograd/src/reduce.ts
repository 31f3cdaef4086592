import { broadcastTo, reduce } from './kernels';
import { reducedShape } from './ndarray';
import type { Tensor } from './tensor';
import type { TensorOp } from './tensor-op';

/** Which axes to reduce (sorted, distinct) and whether they stay as size-1 axes. */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

/** The reduction primitives, each forward next to its vjp. */
export const reduceOps = {
  // d Σ x = Σ dx: the adjoint of every summed element is the adjoint of the sum
  sum: {
    forward: ([x], { axes, keepDims }) => ({
      data: reduce(x!, axes, 'sum'),
      shape: reducedShape(x!.shape, axes, keepDims),
    }),
    vjp: (g, _y, [x], { axes }) => [g.reshape(reducedShape(x!.shape, axes, true)).broadcastTo(x!.shape)],
  },
  // max: all of g goes to the maximum; tied maxima share it evenly, as in PyTorch's amax
  max: {
    forward: ([x], { axes, keepDims }) => ({
      data: reduce(x!, axes, 'max'),
      shape: reducedShape(x!.shape, axes, keepDims),
    }),
    vjp: (g, y, [x], { axes }) => [spreadToExtremes(g, y, x!, axes)],
  },
  min: {
    forward: ([x], { axes, keepDims }) => ({
      data: reduce(x!, axes, 'min'),
      shape: reducedShape(x!.shape, axes, keepDims),
    }),
    vjp: (g, y, [x], { axes }) => [spreadToExtremes(g, y, x!, axes)],
  },
} satisfies Record<string, TensorOp<ReduceAttrs>>;

/** The adjoint of max or min: g divided evenly among the elements equal to the extreme, 0 elsewhere. */
function spreadToExtremes(g: Tensor, y: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  const kept = reducedShape(x.shape, axes, true);
  const hit = x.eq(y.reshape(kept));
  const share = g.reshape(kept).div(hit.sum(axes, true));
  return share.broadcastTo(x.shape).where(hit, 0);
}

// broadcastTo copies x along new or size-1 axes, so its adjoint sums those copies back
/** broadcastTo as a primitive: its vjp sums the copies back (sumTo). */
export const broadcastOp: TensorOp<readonly number[]> = {
  forward: ([x], shape) => ({ data: broadcastTo(x!, shape), shape }),
  vjp: (g, _y, [x]) => [g.sumTo(x!.shape)],
};
