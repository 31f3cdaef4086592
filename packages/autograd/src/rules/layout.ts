import {
  broadcastTo,
  concat,
  convert,
  gatherAxis,
  oneHotRows,
  padAxis,
  permute,
  sliceAxis,
} from '../kernels/loops.js';
import { arrayOf, type DType, type NDArray } from '../ndarray.js';
import { alongAxes, broadcasting, mergedBatch, sameAttrs } from './batching.js';
import type { TensorNode, TensorRule } from './rule.js';

// Ops that move elements without computing with them: their adjoints move the gradient back.

/** The layout primitives. */
export const layoutRules: LayoutRules = {
  // a reshape keeps the elements in order, so its adjoint is the reverse reshape; the data is shared
  reshape: {
    forward: ([x], shape: readonly number[]) => ({ data: x!.data, shape }),
    vjp: (g, _y, [x]) => [g.reshape(x!.shape)],
    jvp: 'linear',
    batch: alongAxes((shape, size) => [size, ...shape]),
  },
  // a cast rounds (to float32) or widens (to float64) each element; its adjoint casts the gradient back
  astype: {
    forward: ([x], dtype: DType) => ({ data: convert(x!.data, dtype), shape: x!.shape }),
    vjp: (g, _y, [x]) => [g.astype(x!.dtype)],
    jvp: 'linear',
    batch: sameAttrs,
  },
  // broadcastTo copies x along new or size-1 axes, so its adjoint sums those copies back
  // in a fused loop it is the identity, its input read broadcast: no copy is made
  broadcastTo: {
    forward: ([x], shape: readonly number[]) => ({ data: broadcastTo(x!, shape), shape }),
    loop: (_x, shape: readonly number[]) => ({ fn: identity, source: '$0', shape }),
    vjp: (g, _y, [x]) => [g.sumTo(x!.shape)],
    jvp: 'linear',
    batch: broadcasting(
      (shape) => shape,
      (_shape, batched) => batched,
    ),
  },
  // the adjoint of a permutation of axes is the inverse permutation
  transpose: {
    forward: ([x], axes: readonly number[]) => ({
      data: permute(x!, axes),
      shape: axes.map((a) => x!.shape[a]!),
    }),
    vjp: (g, _y, _x, axes: readonly number[]) => [g.transpose(inverse(axes))],
    jvp: 'linear',
    batch: alongAxes((axes) => [0, ...axes.map((a) => a + 1)]),
  },
  // the adjoint of a slice is the gradient padded with zeros back to the input's size
  slice: {
    forward: ([x], { axis, start, end }: SliceAttrs) => ({
      data: sliceAxis(x!, axis, start, end),
      shape: x!.shape.map((d, i) => (i === axis ? end - start : d)),
    }),
    vjp: (g, _y, [x], { axis, start }: SliceAttrs) => [
      g.applyRule('padAxis', layoutRules.padAxis, { axis, start, size: x!.shape[axis]! }),
    ],
    jvp: 'linear',
    batch: alongAxes((attrs) => ({ ...attrs, axis: attrs.axis + 1 })),
  },
  // …and the adjoint of that padding is the slice
  padAxis: {
    forward: ([x], { axis, start, size }: PadAttrs) => {
      const shape = x!.shape.map((d, i) => (i === axis ? size : d));
      return { data: padAxis(x!, axis, start, shape), shape };
    },
    vjp: (g, _y, [x], { axis, start }: PadAttrs) => [g.slice(axis, start, start + x!.shape[axis]!)],
    jvp: 'linear',
    batch: alongAxes((attrs) => ({ ...attrs, axis: attrs.axis + 1 })),
  },
  // each input's adjoint is its own block of the gradient
  concat: {
    forward: (xs, axis: number) => {
      const shape = xs[0]!.shape.map((d, i) => (i === axis ? xs.reduce((s, x) => s + x.shape[axis]!, 0) : d));
      return { data: concat(xs, axis, shape), shape };
    },
    vjp: (g, _y, xs, axis: number) => {
      let start = 0;
      return xs.map((x) => {
        start += x.shape[axis]!;
        return g.slice(axis, start - x.shape[axis]!, start);
      });
    },
    // the tangent of a concatenation: each input's tangent padded with zeros to its block, summed
    jvp: (dxs, y, xs, axis: number) => concatTangent(dxs, xs, axis, y.shape[axis]!),
    batch: alongAxes((axis) => axis + 1),
  },
  // gather reads x at the indices; its adjoint adds g back at those indices
  gather: {
    forward: ([x], { index, axis }: GatherAttrs) => ({
      data: gatherAxis(x!, index, axis, null),
      shape: index.shape,
    }),
    vjp: (g, _y, [x], { index, axis }: GatherAttrs) => [
      g.applyRule('scatterAdd', layoutRules.scatterAdd, { index, axis, shape: x!.shape }),
    ],
    jvp: 'linear',
    batch: alongAxes(({ index, axis }, size) => ({ index: tiled(index, size), axis: axis + 1 })),
  },
  // one-hot rows of class indices: a constant of the labels' values, which carry no gradient. The kernel
  // checks every label, so a compiled program checks each call's labels too
  oneHot: {
    forward: ([x], { classes, op }: OneHotAttrs) => ({
      data: oneHotRows(x!, classes, op),
      shape: [x!.shape[0]!, classes],
    }),
    vjp: () => [null],
    jvp: () => null,
    batch: mergedBatch(),
  },
  // …and the adjoint of that scatter-add is the gather
  scatterAdd: {
    forward: ([x], { index, axis, shape }: ScatterAttrs) => ({
      data: gatherAxis(x!, index, axis, shape),
      shape,
    }),
    vjp: (g, _y, _x, { index, axis }: ScatterAttrs) => [
      g.applyRule('gather', layoutRules.gather, { index, axis }),
    ],
    jvp: 'linear',
    batch: alongAxes(({ index, axis, shape }, size) => ({
      index: tiled(index, size),
      axis: axis + 1,
      shape: [size, ...shape],
    })),
  },
};

/** `index` repeated along a new leading axis of `size`: the same indices for every example of a batch. */
function tiled(index: NDArray, size: number): NDArray {
  const indices = arrayOf(index);
  const data = new Float64Array(size * indices.length);
  for (let b = 0; b < size; b++) data.set(indices, b * indices.length);
  return { data, shape: [size, ...index.shape] };
}

/** The tangent of a concatenation along `axis` (of length `size`): each input's padded to its block, summed. */
function concatTangent<T extends TensorNode<T>>(
  tangents: readonly (T | null)[],
  inputs: readonly T[],
  axis: number,
  size: number,
): T | null {
  let out: T | null = null;
  let start = 0;
  inputs.forEach((x, i) => {
    const dx = tangents[i];
    if (dx !== null && dx !== undefined) {
      const block = dx.applyRule('padAxis', layoutRules.padAxis, { axis, start, size });
      out = out === null ? block : out.add(block);
    }
    start += x.shape[axis]!;
  });
  return out;
}

/** The attributes of each layout primitive. */
interface LayoutRules {
  readonly reshape: TensorRule<readonly number[]>;
  readonly astype: TensorRule<DType>;
  readonly broadcastTo: TensorRule<readonly number[]>;
  readonly transpose: TensorRule<readonly number[]>;
  readonly slice: TensorRule<SliceAttrs>;
  readonly padAxis: TensorRule<PadAttrs>;
  readonly concat: TensorRule<number>;
  readonly gather: TensorRule<GatherAttrs>;
  readonly scatterAdd: TensorRule<ScatterAttrs>;
  readonly oneHot: TensorRule<OneHotAttrs>;
}

/** How many classes one-hot rows have. */
export interface OneHotAttrs {
  readonly classes: number;
  /** What a bad label's error names: `oneHot`, or the loss that made the rows. */
  readonly op: string;
}

/** Which part of which axis a slice keeps: start ≤ i < end. */
export interface SliceAttrs {
  readonly axis: number;
  readonly start: number;
  readonly end: number;
}
/** Where padAxis writes its input: at `start` of an axis grown to `size`. */
export interface PadAttrs {
  readonly axis: number;
  readonly start: number;
  readonly size: number;
}
/** The integer indices gather reads at, along `axis`. */
export interface GatherAttrs {
  readonly index: NDArray;
  readonly axis: number;
}
/** The indices scatterAdd writes at, and the shape it writes into. */
export interface ScatterAttrs extends GatherAttrs {
  readonly shape: readonly number[];
}

function inverse(axes: readonly number[]): number[] {
  const inv = new Array<number>(axes.length);
  axes.forEach((a, i) => {
    inv[a] = i;
  });
  return inv;
}

/** The identity on numbers: how a fused loop reads a broadcast. */
function identity(x: number): number {
  return x;
}
