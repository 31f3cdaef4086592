/**
 * The numeric kernels: plain indexed loops over Float64Array, with no allocation per element. Every
 * loop of the Tensor engine lives here, behind this small surface, so a faster backend (WebAssembly
 * SIMD) can replace them without touching the op tables. Inputs are validated before they get here.
 */
import { GEMM_WASM } from './gemm-wasm';
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
  } else if (x.length === size && y.length === 1) {
    const v = y[0]!;
    for (let i = 0; i < size; i++) out[i] = f(x[i]!, v);
  } else if (x.length === 1 && y.length === size) {
    const v = x[0]!;
    for (let i = 0; i < size; i++) out[i] = f(v, y[i]!);
  } else {
    const sx = broadcastStrides(a.shape, outShape);
    const sy = broadcastStrides(b.shape, outShape);
    const [ix, iy] = [sx.at(-1) ?? 0, sy.at(-1) ?? 0];
    forEachRow(outShape, [sx, sy], (o, inner, [px, py]) => {
      for (let j = 0; j < inner; j++) out[o + j] = f(x[px! + j * ix]!, y[py! + j * iy]!);
    });
  }
  return out;
}

/**
 * Walks `shape` one row (the last axis) at a time with an odometer over the other axes, and calls
 * `row(start, length, offsets)` with the row's position in a contiguous array of `shape` and each
 * input's offset at the row's start, given the inputs' strides. A rank-0 shape is one row of length 1.
 */
function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  row: (start: number, length: number, offsets: readonly number[]) => void,
): void {
  const n = shape.length;
  const inner = n === 0 ? 1 : shape[n - 1]!;
  const rows = inner === 0 ? 0 : sizeOf(shape) / inner;
  const counter = new Int32Array(Math.max(n - 1, 0));
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

/** cond ≠ 0 ? a : b elementwise over the broadcast `outShape`, reading every input through broadcast strides. */
export function select(cond: NDArray, a: NDArray, b: NDArray, outShape: readonly number[]): Float64Array {
  const out = new Float64Array(sizeOf(outShape));
  const [c, x, y] = [cond.data, a.data, b.data];
  if (c.length === out.length && x.length === out.length && y.length === 1) {
    const v = y[0]!;
    for (let i = 0; i < out.length; i++) out[i] = c[i] !== 0 ? x[i]! : v;
    return out;
  }
  const strides = [cond, a, b].map((t) => broadcastStrides(t.shape, outShape));
  const [ic, ix, iy] = strides.map((s) => s.at(-1) ?? 0) as [number, number, number];
  forEachRow(outShape, strides, (o, inner, [pc, px, py]) => {
    for (let j = 0; j < inner; j++) out[o + j] = c[pc! + j * ic] !== 0 ? x[px! + j * ix]! : y[py! + j * iy]!;
  });
  return out;
}

/** `x` read through arbitrary strides (0 to broadcast, permuted to transpose) into a contiguous array of `shape`. */
export function gatherStrided(
  x: Float64Array,
  offset: number,
  strides: readonly number[],
  shape: readonly number[],
): Float64Array {
  const out = new Float64Array(sizeOf(shape));
  const step = strides.at(-1) ?? 0;
  forEachRow(shape, [strides], (o, inner, [p]) => {
    for (let j = 0; j < inner; j++) out[o + j] = x[offset + p! + j * step]!;
  });
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

/** How `reduce` combines the elements of each reduced group. */
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
  const step = into.at(-1) ?? 0;
  const data = x.data;
  forEachRow(shape, [into], (i, inner, [p]) => {
    if (kind === 'sum') {
      for (let j = 0; j < inner; j++) out[p! + j * step]! += data[i + j]!;
    } else if (kind === 'max') {
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
 * batch axes broadcast. `transA`: A holds [k, m] matrices; `transB`: B holds [n, k]. A transpose is
 * never copied: the three variants are one kernel reading A and B through different strides.
 */
export function matmul(
  a: NDArray,
  b: NDArray,
  transA: boolean,
  transB: boolean,
  outShape: readonly number[],
  /** Use the WebAssembly SIMD kernel where there is one; false runs the TypeScript reference. */
  simd = true,
): Float64Array {
  const r = outShape.length;
  const m = outShape[r - 2]!;
  const n = outShape[r - 1]!;
  const k = transA ? a.shape[a.shape.length - 2]! : a.shape[a.shape.length - 1]!;
  // A(i, p) = A[i·ai + p·ap] and B(p, j) = B[p·bp + j·bj] within one matrix
  const [ai, ap] = transA ? [1, m] : [k, 1];
  const [bp, bj] = transB ? [1, k] : [n, 1];
  const out = new Float64Array(sizeOf(outShape));
  const batchShape = outShape.slice(0, r - 2);
  const aBatch = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const bBatch = broadcastStrides(b.shape.slice(0, -2), batchShape);
  // one "row" of length 1 per batch: the row walker gives each operand's matrix offset
  forEachRow(
    [...batchShape, 1],
    [
      [...aBatch, 0],
      [...bBatch, 0],
    ],
    (t, _length, [pa, pb]) => {
      const operands: GemmOperands = {
        A: a.data,
        ao: pa! * m * k,
        ai,
        ap,
        B: b.data,
        bo: pb! * k * n,
        bp,
        bj,
        C: out,
        co: t * m * n,
        m,
        k,
        n,
      };
      if (simd && SIMD !== null && m >= 4 && n >= 4 && m * n * k >= 4096) gemmSimd(SIMD, operands);
      else gemm(operands);
    },
  );
  return out;
}

/**
 * One matrix product C[m, n] = A·B, each matrix read through strides from its offset:
 * A(i, p) = A[ao + i·ai + p·ap], B(p, j) = B[bo + p·bp + j·bj], C(i, j) = C[co + i·n + j].
 */
interface GemmOperands {
  readonly A: Float64Array;
  readonly ao: number;
  readonly ai: number;
  readonly ap: number;
  readonly B: Float64Array;
  readonly bo: number;
  readonly bp: number;
  readonly bj: number;
  readonly C: Float64Array;
  readonly co: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

/**
 * C[m, n] = A·B for one pair of matrices read through strides. The body computes 4×4 blocks of C in
 * sixteen local accumulators, loading 8 numbers for every 16 multiply-adds; edge rows and columns fall
 * back to plain dot products. Every element sums over k in index order, as the naive loop does.
 */
// biome-ignore format: the 4×4 accumulators read best as a grid
function gemm(operands: GemmOperands): void {
  const { A, ao, ai, ap, B, bo, bp, bj, C, co, m, k, n } = operands;
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let x = ao + i * ai;
      let y = bo + j * bj;
      for (let p = 0; p < k; p++, x += ap, y += bp) {
        const a0 = A[x]!, a1 = A[x + ai]!, a2 = A[x + 2 * ai]!, a3 = A[x + 3 * ai]!;
        const b0 = B[y]!, b1 = B[y + bj]!, b2 = B[y + 2 * bj]!, b3 = B[y + 3 * bj]!;
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      let o = co + i * n + j;
      C[o] = c00; C[o + 1] = c01; C[o + 2] = c02; C[o + 3] = c03; o += n;
      C[o] = c10; C[o + 1] = c11; C[o + 2] = c12; C[o + 3] = c13; o += n;
      C[o] = c20; C[o + 1] = c21; C[o + 2] = c22; C[o + 3] = c23; o += n;
      C[o] = c30; C[o + 1] = c31; C[o + 2] = c32; C[o + 3] = c33;
    }
  }
  gemmEdges(operands);
}

/** The strips the 4×4 blocks leave: rows from m - m % 4 on (all columns), columns from n - n % 4 on. */
function gemmEdges(operands: GemmOperands): void {
  const { A, ao, ai, ap, B, bo, bp, bj, C, co, m, k, n } = operands;
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      let s = 0;
      for (let p = 0, x = ao + i * ai, y = bo + j * bj; p < k; p++, x += ap, y += bp) s += A[x]! * B[y]!;
      C[co + i * n + j] = s;
    }
  }
}

/**
 * Copies `lines` lines of a strided matrix (line l, step p at src[offset + l·lineStride + p·stepStride])
 * into heap from `at`, as panels of four lines: panel l/4 holds, for each p, the four lines' values.
 */
function packPanels(
  heap: Float64Array,
  at: number,
  src: Float64Array,
  offset: number,
  lineStride: number,
  stepStride: number,
  lines: number,
  steps: number,
): void {
  for (let l = 0; l < lines; l += 4) {
    for (
      let p = 0, q = at + l * steps, x = offset + l * lineStride;
      p < steps;
      p++, q += 4, x += stepStride
    ) {
      heap[q] = src[x]!;
      heap[q + 1] = src[x + lineStride]!;
      heap[q + 2] = src[x + 2 * lineStride]!;
      heap[q + 3] = src[x + 3 * lineStride]!;
    }
  }
}

/** The gemm kernel of src/wasm/gemm.wat, when this runtime has WebAssembly SIMD. */
interface Simd {
  readonly memory: WebAssembly.Memory;
  readonly gemm: (ap: number, bp: number, c: number, m4: number, n4: number, k: number) => void;
}

/** Compiled once, when this module loads; null where WebAssembly SIMD is missing (then TypeScript runs). */
const SIMD: Simd | null = instantiate();

/** Whether matmul runs its blocks in WebAssembly SIMD here. */
export const hasSimd = SIMD !== null;

function instantiate(): Simd | null {
  try {
    const bytes = Uint8Array.from(atob(GEMM_WASM), (c) => c.charCodeAt(0));
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return null;
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    return { memory: exports.memory as WebAssembly.Memory, gemm: exports.gemm as Simd['gemm'] };
  } catch {
    return null;
  }
}

/**
 * gemm with the 4×4 blocks in WebAssembly: A's rows and B's columns are packed four at a time into
 * contiguous panels in the module's memory (whatever their strides, so every variant runs the same
 * kernel), the kernel fills the blocks, they are copied out, and the edge strips run in TypeScript.
 */
function gemmSimd(simd: Simd, operands: GemmOperands): void {
  const { A, ao, ai, ap, B, bo, bp, bj, C, co, m, k, n } = operands;
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  const [aAt, bAt, cAt] = [0, m4 * k, m4 * k + n4 * k]; // in doubles
  const bytes = (cAt + m4 * n4) * 8;
  if (simd.memory.buffer.byteLength < bytes)
    simd.memory.grow(Math.ceil((bytes - simd.memory.buffer.byteLength) / 65536));
  const heap = new Float64Array(simd.memory.buffer);
  packPanels(heap, aAt, A, ao, ai, ap, m4, k); // A's rows, four at a time
  packPanels(heap, bAt, B, bo, bj, bp, n4, k); // B's columns, four at a time
  simd.gemm(aAt * 8, bAt * 8, cAt * 8, m4, n4, k);
  for (let i = 0; i < m4; i++) C.set(heap.subarray(cAt + i * n4, cAt + (i + 1) * n4), co + i * n);
  gemmEdges(operands);
}
