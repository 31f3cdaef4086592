import { reduce } from '../kernels/loops.js';
import { map } from '../kernels/pointwise.js';
import { reducedShape } from '../ndarray.js';
import { alongAxes, outward } from './batching.js';
import type { TensorNode, TensorRule } from './rule.js';

/** Which axes to reduce (sorted, distinct) and whether they stay as size-1 axes. */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

/** The reduction primitives. */
export const reduceRules = {
  // d Σ x = Σ dx: the adjoint of every summed element is the adjoint of the sum. A sum may end a fused
  // loop over its input's shape
  sum: {
    forward: ([x], { axes, keepDims }) => ({
      data: reduce(x!, axes, 'sum'),
      shape: reducedShape(x!.shape, axes, keepDims),
    }),
    loop: ([x], { axes }) => ({ sum: reducedShape(x!.shape, axes, true), shape: x!.shape }),
    vjp: (g, _y, [x], { axes }) => [g.reshape(reducedShape(x!.shape, axes, true)).broadcastTo(x!.shape)],
    jvp: 'linear',
    batch: alongAxes(({ axes, keepDims }) => ({ axes: outward(axes), keepDims })),
  },
  // max: all of g goes to the maximum; tied maxima share it evenly, as in PyTorch's amax
  max: {
    forward: ([x], { axes, keepDims }) => ({
      data: reduce(x!, axes, 'max'),
      shape: reducedShape(x!.shape, axes, keepDims),
    }),
    vjp: (g, y, [x], { axes }) => [spreadToExtremes(g, y, x!, axes)],
    jvp: ([dx], y, [x], { axes, keepDims }) => (dx ? meanAtExtremes(dx, y, x!, axes, keepDims) : null),
    batch: alongAxes(({ axes, keepDims }) => ({ axes: outward(axes), keepDims })),
  },
  min: {
    forward: ([x], { axes, keepDims }) => ({
      data: reduce(x!, axes, 'min'),
      shape: reducedShape(x!.shape, axes, keepDims),
    }),
    vjp: (g, y, [x], { axes }) => [spreadToExtremes(g, y, x!, axes)],
    jvp: ([dx], y, [x], { axes, keepDims }) => (dx ? meanAtExtremes(dx, y, x!, axes, keepDims) : null),
    batch: alongAxes(({ axes, keepDims }) => ({ axes: outward(axes), keepDims })),
  },
} satisfies Record<string, TensorRule<ReduceAttrs>>;

/** The adjoint of max or min: g divided evenly among the elements equal to the extreme, 0 elsewhere. */
function spreadToExtremes<T extends TensorNode<T>>(g: T, y: T, x: T, axes: readonly number[]): T {
  const kept = reducedShape(x.shape, axes, true);
  const hit = x.eq(y.reshape(kept));
  const share = g.reshape(kept).div(hit.sum(axes, true));
  return share.broadcastTo(x.shape).where(hit, 0);
}

/** The tangent of max or min: the mean of the tangent over the elements equal to the extreme. */
function meanAtExtremes<T extends TensorNode<T>>(
  dx: T,
  y: T,
  x: T,
  axes: readonly number[],
  keepDims: boolean,
): T {
  const hit = x.eq(y.reshape(reducedShape(x.shape, axes, true)));
  return dx.where(hit, 0).sum(axes, keepDims).div(hit.sum(axes, keepDims));
}

/**
 * The shift of the softmax family: the max over the axes (kept), 0 where it is not finite. Subtracting a
 * constant leaves the gradient of logSumExp and softmax unchanged, so its vjp passes no gradient.
 */
export const shiftRule: TensorRule<readonly number[]> = {
  forward: ([x], axes) => {
    const m = reduceRules.max.forward([x!], { axes, keepDims: true });
    return { data: map(m.data, (v) => (Number.isFinite(v) ? v : 0)), shape: m.shape };
  },
  vjp: () => [null],
  jvp: () => null,
  batch: alongAxes(outward),
};
