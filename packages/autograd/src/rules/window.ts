import { fold, maxGather, maxPool, maxScatter, unfold, type Window, windowCount } from '../kernels/window.js';
import { mergedBatch } from './batching.js';
import type { TensorRule } from './rule.js';

// Sliding windows, the primitives under convolution and pooling: unfold (im2col) and fold (col2im) are
// each other's adjoints, so conv2d and the pools are composites of them with matmul and the reductions,
// and differentiate to any order.

/** A window, and what unfold writes where it hangs over the padding (0, or a floor for max pooling). */
export interface UnfoldAttrs extends Window {
  readonly fill: number;
}

/** A window, and the shape of the image fold writes. */
export interface FoldAttrs extends Window {
  readonly shape: readonly number[];
}

/** The sliding-window primitives. */
export const windowRules: WindowRules = {
  // each input element lands in the columns its windows cover; its adjoint sums those columns back
  unfold: {
    forward: ([x], attrs: UnfoldAttrs) => {
      const [n, c, oh, ow] = pooledShape(x!.shape, attrs);
      return {
        data: unfold(x!, attrs, attrs.fill),
        shape: [n, c, attrs.kernel[0] * attrs.kernel[1], oh * ow],
      };
    },
    vjp: (g, _y, [x], attrs: UnfoldAttrs) => [
      g.applyRule('fold', windowRules.fold, { ...attrs, shape: x!.shape }),
    ],
    jvp: 'linear',
    batch: mergedBatch(),
  },
  // …and the adjoint of that sum is the unfold (padding carries no gradient: fill 0)
  fold: {
    forward: ([cols], attrs: FoldAttrs) => ({ data: fold(cols!, attrs, attrs.shape), shape: attrs.shape }),
    vjp: (g, _y, _x, attrs: FoldAttrs) => [g.applyRule('unfold', windowRules.unfold, { ...attrs, fill: 0 })],
    jvp: 'linear',
    batch: mergedBatch((attrs, size) => ({
      ...attrs,
      shape: [size * attrs.shape[0]!, ...attrs.shape.slice(1)],
    })),
  },
  // max pooling: each window's gradient goes to its maxima (shared evenly among ties). Scattering it
  // there and gathering from there are each other's adjoints; both read the routes off x, which
  // gets no gradient through them (the routes are piecewise constant in x).
  // maxScatter and maxGather read the pooled maxima (the maxPool output) beside x, not finding them again
  maxPool: {
    forward: ([x], w: Window) => ({ data: maxPool(x!, w), shape: pooledShape(x!.shape, w) }),
    vjp: (g, y, [x], w: Window) => [g.applyRule('maxScatter', windowRules.maxScatter, w, [x!, y])],
    // each window's tangent is its maxima's, shared evenly among ties as the gradient is
    jvp: ([dx], y, [x], w: Window) => dx?.applyRule('maxGather', windowRules.maxGather, w, [x!, y]) ?? null,
    batch: mergedBatch(),
  },
  maxScatter: {
    forward: ([g, x, y], w: Window) => ({ data: maxScatter(g!, x!, y!, w), shape: x!.shape }),
    vjp: (gg, _out, [_g, x, y], w: Window) => [
      gg.applyRule('maxGather', windowRules.maxGather, w, [x!, y!]),
      null,
      null,
    ],
    jvp: 'linear',
    batch: mergedBatch(),
  },
  maxGather: {
    forward: ([v, x, y], w: Window) => ({ data: maxGather(v!, x!, y!, w), shape: pooledShape(x!.shape, w) }),
    vjp: (gg, _out, [_v, x, y], w: Window) => [
      gg.applyRule('maxScatter', windowRules.maxScatter, w, [x!, y!]),
      null,
      null,
    ],
    jvp: 'linear',
    batch: mergedBatch(),
  },
};

/** [N, C, H', W']: one entry per window position of `w` on each plane of an image of `shape`. */
function pooledShape(shape: readonly number[], w: Window): [number, number, number, number] {
  const [n, c, h, wd] = shape as [number, number, number, number];
  return [
    n,
    c,
    windowCount(h, w.kernel[0], w.stride[0], w.padding[0], w.dilation[0]),
    windowCount(wd, w.kernel[1], w.stride[1], w.padding[1], w.dilation[1]),
  ];
}

interface WindowRules {
  readonly unfold: TensorRule<UnfoldAttrs>;
  readonly fold: TensorRule<FoldAttrs>;
  readonly maxPool: TensorRule<Window>;
  readonly maxScatter: TensorRule<Window>;
  readonly maxGather: TensorRule<Window>;
}
