// kernels/: every numeric loop of the engine (loops.ts the portable ones, pointwise.ts the elementwise
// ops', erf.ts the error function, normalize.ts layer normalisation's rows). Imports ndarray.ts, run.ts
// (where their arrays come from), codegen.ts and each other. gemm.ts, simd.ts and matmul.ts hold the
// matrix product, window.ts convolution's and pooling's windows.
/**
 * The portable kernels: plain indexed loops over typed arrays, with no allocation per element. Inputs
 * are validated before they get here.
 *
 * dtypes: each result has its inputs' dtype, float64 if they mix. Elementwise functions compute in
 * float64 and round once when they store, so a float32 result is the float64 result correctly
 * rounded. Sums accumulate in float64.
 */

import { copyOf } from '../codegen.js';
import {
  broadcastStrides,
  checkFloat32,
  type DType,
  dtypeOf,
  type NDArray,
  promote,
  type Storage,
  sizeOf,
  stridesOf,
} from '../ndarray.js';
import { allocate, allocateUnzeroed } from '../run.js';

/**
 * A loop of this file as one copy per dtype of the array it walks: a shared loop reads Float32Arrays
 * and Float64Arrays at one site, which V8 then compiles for either. Transposing 32,768 float32 values
 * (the heads of the names GPT) in a process that had run float64 took 0.10–0.15 ms through the shared
 * loop and 0.08 ms through its float32 copy; summing them over rows 0.07–0.10 ms and 0.056 ms.
 */
export function perDType<F>(fn: F): Record<DType, F> {
  return { float32: copyOf(fn), float64: copyOf(fn) };
}

/** `data` as `dtype`: the same array when it already is, otherwise a converted copy (rounded to nearest for float32). */
export function convert(data: Storage, dtype: DType, what = 'astype'): Storage {
  if (dtypeOf(data) === dtype) return data;
  if (dtype === 'float32') checkFloat32(what, data);
  const out = allocateUnzeroed(dtype, data.length);
  out.set(data);
  return out;
}

/**
 * The same walk over fewer, longer rows: drops axes of length 1 and merges each axis into the next
 * where every operand steps across the pair as across one axis (stride[d] = stride[d+1]·shape[d+1]).
 * The elements are visited in the same order, so sums and every result keep their bits; a bias
 * [1, C, 1, 1] added to [N, C, H, W] walks N·C rows of H·W instead of N·C·H rows of W.
 */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): [number[], number[][]] {
  const axes = shape.flatMap((d, i) => (d === 1 ? [] : [i]));
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const axis of axes) {
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[axis]! * shape[axis]!)) {
      outShape[last]! *= shape[axis]!;
      strides.forEach((s, k) => {
        outStrides[k]![last] = s[axis]!;
      });
    } else {
      outShape.push(shape[axis]!);
      for (const [k, s] of strides.entries()) outStrides[k]!.push(s[axis]!);
    }
  }
  return [outShape, outStrides];
}

/**
 * Walks `shape` one row (the last axis) at a time with an odometer over the other axes, and calls
 * `row(start, length, offsets)` with the row's position in a contiguous array of `shape` and each
 * input's offset at the row's start, given the inputs' strides. A rank-0 shape is one row of length 1.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  row: (start: number, length: number, offsets: readonly number[]) => void,
): void {
  const n = shape.length;
  const inner = n === 0 ? 1 : shape[n - 1]!;
  const rows = inner === 0 ? 0 : sizeOf(shape) / inner;
  const counter: number[] = new Array(Math.max(n - 1, 0)).fill(0); // not a typed array: a program allocates none
  const offsets = strides.map(() => 0);
  for (let r = 0; r < rows; r++) {
    row(r * inner, inner, offsets);
    for (let d = n - 2; d >= 0; d--) {
      for (let s = 0; s < strides.length; s++) offsets[s]! += strides[s]![d]!;
      if (++counter[d]! < shape[d]!) break;
      for (let s = 0; s < strides.length; s++) offsets[s]! -= strides[s]![d]! * shape[d]!;
      counter[d] = 0;
    }
  }
}

/**
 * cond ≠ 0 ? a : b elementwise over the broadcast `outShape`, reading every input through broadcast
 * strides; without a branch per element, as codegen's `pick` (a mask that follows the data is guessed
 * wrong half the time).
 */
export function select(cond: NDArray, a: NDArray, b: NDArray, outShape: readonly number[]): Storage {
  const out = allocateUnzeroed(promote(a, b), sizeOf(outShape)); // every element written
  const [c, x, y] = [cond.data, a.data, b.data];
  const pick = new Float64Array(2);
  if (c.length === out.length && x.length === out.length && y.length === 1) {
    pick[0] = y[0]!;
    for (let i = 0; i < out.length; i++) {
      pick[1] = x[i]!;
      out[i] = pick[+(c[i] !== 0)]!;
    }
    return out;
  }
  const [shape, strides] = coalesce(
    outShape,
    [cond, a, b].map((t) => broadcastStrides(t.shape, outShape)),
  );
  const [ic, ix, iy] = strides.map((s) => s.at(-1) ?? 0) as [number, number, number];
  forEachRow(shape, strides, (o, inner, [pc, px, py]) => {
    for (let j = 0; j < inner; j++) {
      pick[0] = y[py! + j * iy]!;
      pick[1] = x[px! + j * ix]!;
      out[o + j] = pick[+(c[pc! + j * ic] !== 0)]!;
    }
  });
  return out;
}

/** out[o + j] = x[from + j·step] for j < n. */
const COPY_ROW = perDType((out: Storage, o: number, x: Storage, from: number, step: number, n: number) => {
  for (let j = 0; j < n; j++) out[o + j] = x[from + j * step]!;
});

/** out[p + j·step] += data[i + j] for j < n. */
const ADD_ROW = perDType(
  (out: Float64Array, p: number, step: number, data: Storage, i: number, n: number) => {
    for (let j = 0; j < n; j++) out[p + j * step]! += data[i + j]!;
  },
);

/**
 * out[j] += Σ_b data[b·n + j] over `count` rows of `n`, in row order: eight rows an iteration, each added
 * in turn to out[j] in one expression (((out + r₀) + r₁) + …, the order of eight passes, so the same
 * bits), where a pass a row loaded and stored out[j] at every element: four times faster for the 64
 * weight gradients of a batch of convolutions.
 */
const SUM_LEADING = perDType((out: Float64Array, data: Storage, count: number, n: number) => {
  let b = 0;
  for (; b + 8 <= count; b += 8) {
    const i = b * n;
    const [i1, i2, i3, i4, i5, i6, i7] = [
      i + n,
      i + 2 * n,
      i + 3 * n,
      i + 4 * n,
      i + 5 * n,
      i + 6 * n,
      i + 7 * n,
    ];
    for (let j = 0; j < n; j++)
      out[j] =
        out[j]! +
        data[i + j]! +
        data[i1 + j]! +
        data[i2 + j]! +
        data[i3 + j]! +
        data[i4 + j]! +
        data[i5 + j]! +
        data[i6 + j]! +
        data[i7 + j]!;
  }
  for (; b < count; b++) for (let j = 0, i = b * n; j < n; j++) out[j]! += data[i + j]!;
});

/** `x` read through arbitrary strides (0 to broadcast, permuted to transpose) into a contiguous array of `shape`. */
export function gatherStrided(
  x: Storage,
  offset: number,
  strides: readonly number[],
  shape: readonly number[],
): Storage {
  const out = allocateUnzeroed(dtypeOf(x), sizeOf(shape)); // every element copied
  const [rows, [walk]] = coalesce(shape, [strides]);
  const step = walk!.at(-1) ?? 0;
  const copy = COPY_ROW[dtypeOf(x)];
  forEachRow(rows, [walk!], (o, inner, [p]) => copy(out, o, x, offset + p!, step, inner));
  return out;
}

/** `x` repeated along the axes where its shape is 1 (or missing) to fill `outShape`. */
export function broadcastTo(x: NDArray, outShape: readonly number[]): Storage {
  if (x.data.length === sizeOf(outShape)) {
    const out = allocate(dtypeOf(x.data), x.data.length);
    out.set(x.data);
    return out;
  }
  return gatherStrided(x.data, 0, broadcastStrides(x.shape, outShape), outShape);
}

/** `x` with its axes reordered: output axis i is input axis `axes[i]`. */
export function permute(x: NDArray, axes: readonly number[]): Storage {
  const strides = stridesOf(x.shape);
  return gatherStrided(
    x.data,
    0,
    axes.map((a) => strides[a]!),
    axes.map((a) => x.shape[a]!),
  );
}

/** How `reduce` combines the elements of each reduced group. */
export type ReduceKernel = 'sum' | 'max' | 'min';

/**
 * Reduces `axes` of `x` (sorted, distinct) by sum, max or min; the result has the keepDims shape's
 * size. max and min propagate NaN. Sums run in index order, in float64 whatever the dtype.
 */
export function reduce(x: NDArray, axes: readonly number[], kind: ReduceKernel): Storage {
  const shape = x.shape;
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = allocate('float64', sizeOf(kept)) as Float64Array;
  if (kind !== 'sum') out.fill(kind === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  // where each input element lands in `out`, walked in the input's order
  const [rows, [into]] = coalesce(shape, [broadcastStrides(kept, shape)]);
  const step = into!.at(-1) ?? 0;
  const data = x.data;
  // the last axis (or every axis): whole contiguous rows, each into one output, summed in a local rather
  // than through out[p] element by element (a load and a store each); the same order, so the same bits
  if (step === 0 && (rows.length === 1 || (rows.length === 2 && into![0] === 1))) {
    const n = rows.at(-1) ?? 1;
    reduceRows(data, out, out.length, n, kind);
    return convert(out, dtypeOf(data));
  }
  // a sum over leading axes (a batch's gradients): the rows added into one array, several at a time
  if (kind === 'sum' && rows.length === 2 && into![0] === 0 && step === 1) {
    SUM_LEADING[dtypeOf(data)](out, data, rows[0]!, rows[1]!);
    return convert(out, dtypeOf(data));
  }
  const addRow = ADD_ROW[dtypeOf(data)];
  forEachRow(rows, [into!], (i, inner, [p]) => {
    if (kind === 'sum') addRow(out, p!, step, data, i, inner);
    else if (kind === 'max') {
      for (let j = 0; j < inner; j++) {
        const v = data[i + j]!;
        const at = p! + j * step;
        if (v > out[at]! || Number.isNaN(v)) out[at] = v;
      }
    } else {
      for (let j = 0; j < inner; j++) {
        const v = data[i + j]!;
        const at = p! + j * step;
        if (v < out[at]! || Number.isNaN(v)) out[at] = v;
      }
    }
  });
  return convert(out, dtypeOf(data));
}

/** `reduce` of `count` contiguous rows of `n` each, row r into out[r] (max and min propagate NaN). */
function reduceRows(data: Storage, out: Float64Array, count: number, n: number, kind: ReduceKernel): void {
  for (let r = 0, i = 0; r < count; r++, i += n) {
    if (kind === 'sum') {
      let s = 0;
      for (let j = 0; j < n; j++) s += data[i + j]!;
      out[r] = s;
    } else if (kind === 'max') {
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < n; j++) {
        const v = data[i + j]!;
        if (v > m || Number.isNaN(v)) m = v;
      }
      out[r] = m;
    } else {
      let m = Number.POSITIVE_INFINITY;
      for (let j = 0; j < n; j++) {
        const v = data[i + j]!;
        if (v < m || Number.isNaN(v)) m = v;
      }
      out[r] = m;
    }
  }
}

/** The elements start ≤ i < end along `axis`. */
export function sliceAxis(x: NDArray, axis: number, start: number, end: number): Storage {
  const shape = x.shape.map((d, i) => (i === axis ? end - start : d));
  return gatherStrided(x.data, start * stridesOf(x.shape)[axis]!, stridesOf(x.shape), shape);
}

/** Copies each input into its block of the output along `axis`. */
export function concat(xs: readonly NDArray[], axis: number, outShape: readonly number[]): Storage {
  const out = allocate(promote(...xs), sizeOf(outShape));
  const outer = sizeOf(outShape.slice(0, axis));
  const rowLength = sizeOf(outShape.slice(axis));
  let offset = 0;
  for (const x of xs) {
    const block = sizeOf(x.shape.slice(axis));
    for (let r = 0; r < outer; r++)
      out.set(x.data.subarray(r * block, (r + 1) * block), r * rowLength + offset);
    offset += block;
  }
  return out;
}

/** Zeros of `outShape` with `x` written at `start` along `axis`: the adjoint of a slice. */
export function padAxis(x: NDArray, axis: number, start: number, outShape: readonly number[]): Storage {
  const out = allocate(dtypeOf(x.data), sizeOf(outShape));
  const outer = sizeOf(outShape.slice(0, axis));
  const rowLength = sizeOf(outShape.slice(axis));
  const block = sizeOf(x.shape.slice(axis));
  const offset = start * sizeOf(outShape.slice(axis + 1));
  for (let r = 0; r < outer; r++)
    out.set(x.data.subarray(r * block, (r + 1) * block), r * rowLength + offset);
  return out;
}

/**
 * PyTorch's gather along `axis`: out[…, i, …] = x[…, index[…, i, …], …], where `index` has the rank of
 * `x` and the result its shape. With `scatter`, the adjoint instead: adds `x` into zeros of `outShape`.
 */
export function gatherAxis(
  x: NDArray,
  index: NDArray,
  axis: number,
  scatterShape: readonly number[] | null,
): Storage {
  const shape = index.shape;
  const target = scatterShape ?? x.shape; // the array that `index` points into
  const targetStrides = stridesOf(target);
  const [xs, indices] = [x.data, index.data]; // read once: a Tensor's data is a getter
  const out = allocate(dtypeOf(xs), scatterShape === null ? sizeOf(shape) : sizeOf(scatterShape));
  const counter = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < indices.length; i++) {
    let at = 0;
    for (let d = 0; d < shape.length; d++) at += (d === axis ? indices[i]! : counter[d]!) * targetStrides[d]!;
    if (scatterShape === null) out[i] = xs[at]!;
    else out[at]! += xs[i]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++counter[d]! < shape[d]!) break;
      counter[d] = 0;
    }
  }
  return out;
}

/** Row i is 1 at column labels[i], 0 elsewhere (float64); a label that is not a class index is a RangeError. */
export function oneHotRows(labels: NDArray, classes: number, op = 'oneHot'): Storage {
  const data = labels.data;
  const out = allocate('float64', data.length * classes);
  for (let i = 0; i < data.length; i++) {
    const label = data[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= classes)
      throw new RangeError(`${op}: label ${label} of sample ${i} is not a class index in [0, ${classes})`);
    out[i * classes + label] = 1;
  }
  return out;
}
