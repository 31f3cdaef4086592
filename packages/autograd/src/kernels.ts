/**
 * The numeric kernels: plain indexed loops over typed arrays, with no allocation per element. Every
 * loop of the Tensor engine lives here, behind this small surface, so a faster backend (WebAssembly
 * SIMD) can replace them without touching the op tables. Inputs are validated before they get here.
 *
 * dtypes: each result has its inputs' dtype, float64 if they mix. Elementwise functions compute in
 * float64 and round once when they store, so a float32 result is the float64 result correctly
 * rounded. Sums accumulate in float64; matmul accumulates in its dtype, as BLAS does.
 */
import { GEMM_WASM, GEMM_WASM_SHARED } from './gemm-wasm';
import {
  allocate,
  broadcastStrides,
  convert,
  type DType,
  dtypeOf,
  type NDArray,
  promote,
  type Storage,
  sizeOf,
  stridesOf,
} from './ndarray';
import { canUseThreads, type Gemm, getNumThreads, Team } from './threads';

/**
 * The multiply-adds from which a product is shared out between threads: about 0.4 ms of float32 work
 * on one core. Handing out chunks costs microseconds, but on these shared 2-core machines a worker's
 * vCPU may be slow to wake or taken by another process, and smaller products came out slower.
 */
const PARALLEL_WORK = 1 << 22;

/** f applied to every element. */
export function map(x: Storage, f: (v: number) => number): Storage {
  const out = allocate(dtypeOf(x), x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

/** f(a, b) elementwise over the broadcast `outShape`, reading the inputs through broadcast strides. */
export function zip(
  a: NDArray,
  b: NDArray,
  outShape: readonly number[],
  f: (x: number, y: number) => number,
): Storage {
  const size = sizeOf(outShape);
  const out = allocate(promote(a, b), size);
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
export function select(cond: NDArray, a: NDArray, b: NDArray, outShape: readonly number[]): Storage {
  const out = allocate(promote(a, b), sizeOf(outShape));
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
  x: Storage,
  offset: number,
  strides: readonly number[],
  shape: readonly number[],
): Storage {
  const out = allocate(dtypeOf(x), sizeOf(shape));
  const step = strides.at(-1) ?? 0;
  forEachRow(shape, [strides], (o, inner, [p]) => {
    for (let j = 0; j < inner; j++) out[o + j] = x[offset + p! + j * step]!;
  });
  return out;
}

/** `x` repeated along the axes where its shape is 1 (or missing) to fill `outShape`. */
export function broadcastTo(x: NDArray, outShape: readonly number[]): Storage {
  if (x.data.length === sizeOf(outShape)) return x.data.slice();
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
export type Reduction = 'sum' | 'max' | 'min';

/**
 * Reduces `axes` of `x` (sorted, distinct) by sum, max or min; the result has the keepDims shape's
 * size. max and min propagate NaN. Sums run in index order, in float64 whatever the dtype.
 */
export function reduce(x: NDArray, axes: readonly number[], kind: Reduction): Storage {
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
  return convert(out, dtypeOf(data));
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
  const out = allocate(dtypeOf(x.data), scatterShape === null ? sizeOf(shape) : sizeOf(scatterShape));
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
 * never copied: the three variants are one kernel reading A and B through different strides. The
 * product has the operands' dtype (float64 if they mix) and accumulates in it.
 */
export function matmul(
  a: NDArray,
  b: NDArray,
  transA: boolean,
  transB: boolean,
  outShape: readonly number[],
  /** Use the WebAssembly SIMD kernel where there is one; false runs the TypeScript reference. */
  simd = true,
): Storage {
  const r = outShape.length;
  const m = outShape[r - 2]!;
  const n = outShape[r - 1]!;
  const k = transA ? a.shape[a.shape.length - 2]! : a.shape[a.shape.length - 1]!;
  // A(i, p) = A[i·ai + p·ap] and B(p, j) = B[p·bp + j·bj] within one matrix
  const [ai, ap] = transA ? [1, m] : [k, 1];
  const [bp, bj] = transB ? [1, k] : [n, 1];
  const precision = PRECISIONS[promote(a, b)];
  const A = convert(a.data, precision.dtype);
  const B = convert(b.data, precision.dtype);
  const batchShape = outShape.slice(0, r - 2);
  const aBatch = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const bBatch = broadcastStrides(b.shape.slice(0, -2), batchShape);
  const wide = simd && SIMD !== null && m >= 4 && n >= precision.width && m * n * k >= 4096;
  // one product through WebAssembly takes its result straight out of the module's memory
  let out = wide && sizeOf(batchShape) === 1 ? null : allocate(precision.dtype, sizeOf(outShape));
  // one "row" of length 1 per batch: the row walker gives each operand's matrix offset
  forEachRow(
    [...batchShape, 1],
    [
      [...aBatch, 0],
      [...bBatch, 0],
    ],
    (t, _length, [pa, pb]) => {
      const operands: GemmOperands = {
        A,
        ao: pa! * m * k,
        ai,
        ap,
        B,
        bo: pb! * k * n,
        bp,
        bj,
        co: t * m * n,
        m,
        k,
        n,
      };
      if (wide) out = gemmSimd(SIMD!, operands, precision, out);
      else gemm(operands, out!, precision.round);
    },
  );
  return out!;
}

/**
 * One matrix product C[m, n] = A·B, each matrix read through strides from its offset:
 * A(i, p) = A[ao + i·ai + p·ap], B(p, j) = B[bo + p·bp + j·bj], C(i, j) = C[co + i·n + j].
 * A, B and C have one dtype.
 */
interface GemmOperands {
  readonly A: Storage;
  readonly ao: number;
  readonly ai: number;
  readonly ap: number;
  readonly B: Storage;
  readonly bo: number;
  readonly bp: number;
  readonly bj: number;
  readonly co: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
}

/**
 * How one dtype multiplies: `round` rounds each product and sum to the dtype (as its hardware
 * arithmetic does), `width` is how many columns of B the SIMD kernel takes at once (32 bytes), and
 * `bytes` the size of an element.
 */
interface Precision {
  readonly dtype: DType;
  readonly round: (v: number) => number;
  readonly width: number;
  readonly bytes: number;
}

const PRECISIONS: Record<DType, Precision> = {
  float64: { dtype: 'float64', round: (v) => v, width: 4, bytes: 8 },
  float32: { dtype: 'float32', round: Math.fround, width: 8, bytes: 4 },
};

/**
 * C[m, n] = A·B for one pair of matrices read through strides. The body computes 4×4 blocks of C in
 * sixteen local accumulators, loading 8 numbers for every 16 multiply-adds; edge rows and columns fall
 * back to plain dot products. Every element sums over k in index order, as the naive loop does, with
 * each product and sum rounded by `round` (the identity for float64, Math.fround for float32).
 */
// biome-ignore format: the 4×4 accumulators read best as a grid
function gemm(operands: GemmOperands, C: Storage, round: (v: number) => number): void {
  const { A, ao, ai, ap, B, bo, bp, bj, co, m, k, n } = operands;
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
        c00 = round(c00 + round(a0 * b0)); c01 = round(c01 + round(a0 * b1));
        c02 = round(c02 + round(a0 * b2)); c03 = round(c03 + round(a0 * b3));
        c10 = round(c10 + round(a1 * b0)); c11 = round(c11 + round(a1 * b1));
        c12 = round(c12 + round(a1 * b2)); c13 = round(c13 + round(a1 * b3));
        c20 = round(c20 + round(a2 * b0)); c21 = round(c21 + round(a2 * b1));
        c22 = round(c22 + round(a2 * b2)); c23 = round(c23 + round(a2 * b3));
        c30 = round(c30 + round(a3 * b0)); c31 = round(c31 + round(a3 * b1));
        c32 = round(c32 + round(a3 * b2)); c33 = round(c33 + round(a3 * b3));
      }
      let o = co + i * n + j;
      C[o] = c00; C[o + 1] = c01; C[o + 2] = c02; C[o + 3] = c03; o += n;
      C[o] = c10; C[o + 1] = c11; C[o + 2] = c12; C[o + 3] = c13; o += n;
      C[o] = c20; C[o + 1] = c21; C[o + 2] = c22; C[o + 3] = c23; o += n;
      C[o] = c30; C[o + 1] = c31; C[o + 2] = c32; C[o + 3] = c33;
    }
  }
  gemmEdges(operands, C, round, m4, n4);
}

/** The strips the blocks leave: rows from `rows` on (all columns), and columns from `cols` on. */
function gemmEdges(
  operands: GemmOperands,
  C: Storage,
  round: (v: number) => number,
  rows: number,
  cols: number,
): void {
  const { A, ao, ai, ap, B, bo, bp, bj, co, m, k, n } = operands;
  for (let i = 0; i < m; i++) {
    for (let j = i < rows ? cols : 0; j < n; j++) {
      let s = 0;
      for (let p = 0, x = ao + i * ai, y = bo + j * bj; p < k; p++, x += ap, y += bp)
        s = round(s + round(A[x]! * B[y]!));
      C[co + i * n + j] = s;
    }
  }
}

/**
 * Copies `lines` lines of a strided matrix (line l, step p at src[offset + l·lineStride + p·stepStride])
 * into heap from `at`, as panels of `width` lines (a multiple of 4): panel l/width holds, for each p,
 * the width lines' values, written four lines at a time. The reference for the module's pack64 and
 * pack32, which gemmSimd uses.
 */
export function packPanels(
  heap: Storage,
  at: number,
  src: Storage,
  offset: number,
  lineStride: number,
  stepStride: number,
  lines: number,
  steps: number,
  width: number,
): void {
  for (let l = 0; l < lines; l += 4) {
    const panel = l - (l % width);
    for (
      let p = 0, q = at + panel * steps + (l - panel), x = offset + l * lineStride;
      p < steps;
      p++, q += width, x += stepStride
    ) {
      heap[q] = src[x]!;
      heap[q + 1] = src[x + lineStride]!;
      heap[q + 2] = src[x + 2 * lineStride]!;
      heap[q + 3] = src[x + 3 * lineStride]!;
    }
  }
}

type Pack = (
  dst: number,
  src: number,
  lineStride: number,
  stepStride: number,
  lines: number,
  steps: number,
  width: number,
) => void;

/** The kernels of src/wasm/gemm.wat, when this runtime has WebAssembly SIMD. */
interface Simd {
  readonly memory: WebAssembly.Memory;
  readonly gemm: Record<DType, Gemm>;
  readonly pack: Record<DType, Pack>;
  /** Workers over the same memory, where it is shared (Node.js); null where it is the module's own. */
  readonly team: Team | null;
}

/** Compiled once, when this module loads; null where WebAssembly SIMD is missing (then TypeScript runs). */
const SIMD: Simd | null = (canUseThreads ? instantiate(true) : null) ?? instantiate(false);

/** Whether matmul runs its blocks in WebAssembly SIMD here. */
export const hasSimd = SIMD !== null;

/** The workers of matmul, where products run on several threads: for tests. */
export const team = SIMD?.team ?? null;

/** The module over a shared memory that worker threads can use too, or with a memory of its own. */
function instantiate(shared: boolean): Simd | null {
  try {
    const bytes = Uint8Array.from(atob(shared ? GEMM_WASM_SHARED : GEMM_WASM), (c) => c.charCodeAt(0));
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return null;
    const module = new WebAssembly.Module(bytes);
    // as much as the unshared memory may grow to: a shared one must say, and only reserves it
    const memory = shared ? new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true }) : null;
    const { exports } = new WebAssembly.Instance(module, memory === null ? {} : { env: { memory } });
    return {
      memory: memory ?? (exports.memory as WebAssembly.Memory),
      gemm: { float64: exports.gemm as Gemm, float32: exports.gemm32 as Gemm },
      pack: { float64: exports.pack64 as Pack, float32: exports.pack32 as Pack },
      team: memory === null ? null : new Team(module, memory),
    };
  } catch {
    return null;
  }
}

/** The packed panels in the module's memory, for tests: `packPanels` run by the module. */
export function packPanelsSimd(
  src: Storage,
  lineStride: number,
  stepStride: number,
  lines: number,
  steps: number,
  width: number,
): Storage | null {
  if (SIMD === null) return null;
  const dtype = dtypeOf(src);
  const bytes = PRECISIONS[dtype].bytes;
  const heap = view(SIMD, dtype, (src.length + lines * steps) * bytes);
  heap.set(src);
  SIMD.pack[dtype](src.length * bytes, 0, lineStride * bytes, stepStride * bytes, lines, steps, width);
  return heap.slice(src.length, src.length + lines * steps);
}

/** The module's memory as an array of `dtype`, grown to at least `bytes`. */
function view(simd: Simd, dtype: DType, bytes: number): Storage {
  const { memory } = simd;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  return dtype === 'float32' ? new Float32Array(memory.buffer) : new Float64Array(memory.buffer);
}

/**
 * gemm with the blocks in WebAssembly. The operands' matrices are copied into the module's memory
 * as they are (a memcpy), packed there, A's rows four at a time and B's columns `width` at a time,
 * into contiguous panels (whatever their strides, so every variant runs the same kernel); the kernel
 * fills the blocks; the edge strips run in TypeScript. With `C` null the product is a new array
 * (sliced out of the module's memory, which is faster than copying into one); otherwise it is
 * written into C.
 */
function gemmSimd(simd: Simd, operands: GemmOperands, precision: Precision, C: Storage | null): Storage {
  const { A, ao, ai, ap, B, bo, bp, bj, co, m, k, n } = operands;
  const { dtype, width, bytes } = precision;
  const m4 = m - (m % 4);
  const nw = n - (n % width);
  // in elements: A's matrix, B's matrix, A's panels, B's panels, C (m × n, of which the kernel writes m4 × nw)
  const rawA = 0;
  const rawB = rawA + m * k;
  const packA = rawB + k * n;
  const packB = packA + m4 * k;
  const at = packB + nw * k;
  const heap = view(simd, dtype, (at + m * n) * bytes);
  // large products share their rows out to worker threads: wake them now, to be spinning after the packing
  const threads = Math.min(getNumThreads(), m4 / 4);
  const team = simd.team !== null && threads > 1 && m4 * nw * k >= PARALLEL_WORK ? simd.team : null;
  team?.wake(threads);
  heap.set(A.subarray(ao, ao + m * k), rawA);
  heap.set(B.subarray(bo, bo + k * n), rawB);
  simd.pack[dtype](packA * bytes, rawA * bytes, ai * bytes, ap * bytes, m4, k, 4);
  simd.pack[dtype](packB * bytes, rawB * bytes, bj * bytes, bp * bytes, nw, k, width);
  const args = [packA * bytes, packB * bytes, at * bytes, m4, nw, k, n] as const;
  if (team === null) simd.gemm[dtype](...args);
  else team.gemm(dtype === 'float32' ? 1 : 0, simd.gemm[dtype], threads, args, bytes);
  if (C === null) {
    const product = heap.slice(at, at + m * n);
    gemmEdges({ ...operands, co: 0 }, product, precision.round, m4, nw);
    return product;
  }
  C.set(heap.subarray(at, at + m * n), co);
  gemmEdges(operands, C, precision.round, m4, nw);
  return C;
}
