/**
 * The numeric kernels: plain indexed loops over Float64Array, with no allocation per element. Every
 * loop of the Tensor engine lives here, behind this small surface, so a faster backend (WebAssembly
 * SIMD) can replace them without touching the op tables. Inputs are validated before they get here.
 */
import { broadcastStrides, type NDArray, sizeOf, stridesOf } from './ndarray';

/** f applied to every element. */
export function map(x: Float64Array, f: (v: number) => number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

/** f(a, b) elementwise over the broadcast `outShape`, reading the inputs through broadcast strides. */
export function zip(
  a: NDArray,
  b: NDArray,
  outShape: readonly number[],
  f: (x: number, y: number) => number,
): Float64Array {
  const size = sizeOf(outShape);
  const out = new Float64Array(size);
  const x = a.data;
  const y = b.data;
  if (x.length === size && y.length === size) {
    for (let i = 0; i < size; i++) out[i] = f(x[i]!, y[i]!);
  } else if (y.length === 1) {
    const v = y[0]!;
    if (x.length === size) for (let i = 0; i < size; i++) out[i] = f(x[i]!, v);
    else
      strided2(
        out,
        outShape,
        x,
        broadcastStrides(a.shape, outShape),
        y,
        broadcastStrides(b.shape, outShape),
        f,
      );
  } else if (x.length === 1 && y.length === size) {
    const v = x[0]!;
    for (let i = 0; i < size; i++) out[i] = f(v, y[i]!);
  } else {
    strided2(
      out,
      outShape,
      x,
      broadcastStrides(a.shape, outShape),
      y,
      broadcastStrides(b.shape, outShape),
      f,
    );
  }
  return out;
}

/** out[i] = f(x[...], y[...]) walking `shape` with an odometer over all but the last axis. */
function strided2(
  out: Float64Array,
  shape: readonly number[],
  x: Float64Array,
  sx: readonly number[],
  y: Float64Array,
  sy: readonly number[],
  f: (x: number, y: number) => number,
): void {
  const n = shape.length;
  if (n === 0) {
    out[0] = f(x[0]!, y[0]!);
    return;
  }
  const inner = shape[n - 1]!;
  const ix = sx[n - 1]!;
  const iy = sy[n - 1]!;
  const counter = new Int32Array(n);
  let px = 0;
  let py = 0;
  for (let o = 0; o < out.length; ) {
    for (let j = 0; j < inner; j++) out[o++] = f(x[px + j * ix]!, y[py + j * iy]!);
    for (let d = n - 2; d >= 0; d--) {
      px += sx[d]!;
      py += sy[d]!;
      if (++counter[d]! < shape[d]!) break;
      px -= sx[d]! * shape[d]!;
      py -= sy[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
}

/** cond ≠ 0 ? a : b elementwise over the broadcast `outShape`. */
export function select(cond: NDArray, a: NDArray, b: NDArray, outShape: readonly number[]): Float64Array {
  const size = sizeOf(outShape);
  const full = (x: NDArray) => (x.data.length === size ? x.data : broadcastTo(x, outShape));
  const c = full(cond);
  const x = full(a);
  const out = new Float64Array(size);
  if (b.data.length === 1) {
    const v = b.data[0]!;
    for (let i = 0; i < size; i++) out[i] = c[i] !== 0 ? x[i]! : v;
  } else {
    const y = full(b);
    for (let i = 0; i < size; i++) out[i] = c[i] !== 0 ? x[i]! : y[i]!;
  }
  return out;
}

/** `x` read through arbitrary strides (0 to broadcast, permuted to transpose) into a contiguous array of `shape`. */
export function gatherStrided(
  x: Float64Array,
  offset: number,
  strides: readonly number[],
  shape: readonly number[],
): Float64Array {
  const size = sizeOf(shape);
  const out = new Float64Array(size);
  const n = shape.length;
  if (n === 0) {
    out[0] = x[offset]!;
    return out;
  }
  const inner = shape[n - 1]!;
  const step = strides[n - 1]!;
  const counter = new Int32Array(n);
  let p = offset;
  for (let o = 0; o < size; ) {
    for (let j = 0; j < inner; j++) out[o++] = x[p + j * step]!;
    for (let d = n - 2; d >= 0; d--) {
      p += strides[d]!;
      if (++counter[d]! < shape[d]!) break;
      p -= strides[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
  return out;
}

/** `x` repeated along the axes where its shape is 1 (or missing) to fill `outShape`. */
export function broadcastTo(x: NDArray, outShape: readonly number[]): Float64Array {
  if (x.data.length === sizeOf(outShape)) return x.data.slice();
  return gatherStrided(x.data, 0, broadcastStrides(x.shape, outShape), outShape);
}

/** `x` with its axes reordered: output axis i is input axis `axes[i]`. */
export function permute(x: NDArray, axes: readonly number[]): Float64Array {
  const strides = stridesOf(x.shape);
  return gatherStrided(
    x.data,
    0,
    axes.map((a) => strides[a]!),
    axes.map((a) => x.shape[a]!),
  );
}

export type Reduction = 'sum' | 'max' | 'min';

/**
 * Reduces `axes` of `x` (sorted, distinct) by sum, max or min; the result has the keepDims shape's
 * size. max and min propagate NaN. Sums run in index order.
 */
export function reduce(x: NDArray, axes: readonly number[], kind: Reduction): Float64Array {
  const shape = x.shape;
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(sizeOf(kept));
  if (kind !== 'sum') out.fill(kind === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
  const into = broadcastStrides(kept, shape); // where each input element lands in `out`
  const data = x.data;
  const n = shape.length;
  if (n === 0) {
    out[0] = data[0]!;
    return out;
  }
  const inner = shape[n - 1]!;
  const step = into[n - 1]!;
  const counter = new Int32Array(n);
  let p = 0;
  for (let i = 0; i < data.length; ) {
    if (kind === 'sum') {
      for (let j = 0; j < inner; j++) out[p + j * step]! += data[i++]!;
    } else if (kind === 'max') {
      for (let j = 0; j < inner; j++) {
        const v = data[i++]!;
        const at = p + j * step;
        if (v > out[at]! || Number.isNaN(v)) out[at] = v;
      }
    } else {
      for (let j = 0; j < inner; j++) {
        const v = data[i++]!;
        const at = p + j * step;
        if (v < out[at]! || Number.isNaN(v)) out[at] = v;
      }
    }
    for (let d = n - 2; d >= 0; d--) {
      p += into[d]!;
      if (++counter[d]! < shape[d]!) break;
      p -= into[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
  return out;
}

/** The elements start ≤ i < end along `axis`. */
export function sliceAxis(x: NDArray, axis: number, start: number, end: number): Float64Array {
  const shape = x.shape.map((d, i) => (i === axis ? end - start : d));
  return gatherStrided(x.data, start * stridesOf(x.shape)[axis]!, stridesOf(x.shape), shape);
}

/** Copies each input into its block of the output along `axis`. */
export function concat(xs: readonly NDArray[], axis: number, outShape: readonly number[]): Float64Array {
  const out = new Float64Array(sizeOf(outShape));
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
export function padAxis(x: NDArray, axis: number, start: number, outShape: readonly number[]): Float64Array {
  const out = new Float64Array(sizeOf(outShape));
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
): Float64Array {
  const shape = index.shape;
  const target = scatterShape ?? x.shape; // the array that `index` points into
  const targetStrides = stridesOf(target);
  const out = new Float64Array(scatterShape === null ? sizeOf(shape) : sizeOf(scatterShape));
  const counter = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < index.data.length; i++) {
    let at = 0;
    for (let d = 0; d < shape.length; d++)
      at += (d === axis ? index.data[i]! : counter[d]!) * targetStrides[d]!;
    if (scatterShape === null) out[i] = x.data[at]!;
    else out[at]! += x.data[i]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++counter[d]! < shape[d]!) break;
      counter[d] = 0;
    }
  }
  return out;
}

/**
 * Batched matrix products C = op(A)·op(B), where op transposes the last two axes when asked, and the
 * batch axes broadcast. `transA`: A holds [k, m] matrices; `transB`: B holds [n, k]. The loops are
 * ordered so the innermost one runs along contiguous memory in every variant, and no transpose is copied.
 */
export function matmul(
  a: NDArray,
  b: NDArray,
  transA: boolean,
  transB: boolean,
  outShape: readonly number[],
): Float64Array {
  const r = outShape.length;
  const m = outShape[r - 2]!;
  const n = outShape[r - 1]!;
  const k = transA ? a.shape[a.shape.length - 2]! : a.shape[a.shape.length - 1]!;
  const out = new Float64Array(sizeOf(outShape));
  const batchShape = outShape.slice(0, r - 2);
  const aBatch = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const bBatch = broadcastStrides(b.shape.slice(0, -2), batchShape);
  const batches = sizeOf(batchShape);
  const counter = new Int32Array(batchShape.length);
  let pa = 0;
  let pb = 0;
  for (let t = 0; t < batches; t++) {
    const kernel = transA ? mmTN : transB ? mmNT : mmNN;
    kernel(a.data, pa * m * k, b.data, pb * k * n, out, t * m * n, m, k, n);
    for (let d = batchShape.length - 1; d >= 0; d--) {
      pa += aBatch[d]!;
      pb += bBatch[d]!;
      if (++counter[d]! < batchShape[d]!) break;
      pa -= aBatch[d]! * batchShape[d]!;
      pb -= bBatch[d]! * batchShape[d]!;
      counter[d] = 0;
    }
  }
  return out;
}

// C[m, n] = A[m, k] · B[k, n]: i-k-j order, the inner loop streams a row of B into a row of C.
function mmNN(
  A: Float64Array,
  ao: number,
  B: Float64Array,
  bo: number,
  C: Float64Array,
  co: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const ci = co + i * n;
    for (let p = 0; p < k; p++) {
      const aip = A[ao + i * k + p]!;
      const bp = bo + p * n;
      for (let j = 0; j < n; j++) C[ci + j]! += aip * B[bp + j]!;
    }
  }
}

// C[m, n] = A[m, k] · B[n, k]ᵀ: each entry is a dot product of two contiguous rows.
function mmNT(
  A: Float64Array,
  ao: number,
  B: Float64Array,
  bo: number,
  C: Float64Array,
  co: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const ai = ao + i * k;
    for (let j = 0; j < n; j++) {
      const bj = bo + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[ai + p]! * B[bj + p]!;
      C[co + i * n + j] = s;
    }
  }
}

// C[m, n] = A[k, m]ᵀ · B[k, n]: k-i-j order, the inner loop streams a row of B into a row of C.
function mmTN(
  A: Float64Array,
  ao: number,
  B: Float64Array,
  bo: number,
  C: Float64Array,
  co: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let p = 0; p < k; p++) {
    const bp = bo + p * n;
    for (let i = 0; i < m; i++) {
      const api = A[ao + p * m + i]!;
      const ci = co + i * n;
      for (let j = 0; j < n; j++) C[ci + j]! += api * B[bp + j]!;
    }
  }
}
