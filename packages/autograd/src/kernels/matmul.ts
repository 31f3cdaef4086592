/** Batched matrix products: strides and batch axes resolved here, the blocks run by simd.ts or gemm.ts. */
import { broadcastStrides, type NDArray, promote, type Storage, sizeOf } from '../ndarray.js';
import { allocateUnzeroed } from '../run.js';
import { type GemmOperands, gemm, PRECISIONS } from './gemm.js';
import { convert, forEachRow } from './loops.js';
import {
  ASYNC_SIMD,
  gemmSimd,
  gemmSimdAsync,
  gemmSimdBatch,
  gemmSimdPipelined,
  PARALLEL_WORK,
  SIMD,
} from './simd.js';

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
  // every product goes to WebAssembly where it runs, however small (a partial tile is padded): in
  // float32, 100×2×16 took 1.3 µs there and 4.0 µs in TypeScript, 8×8×8 0.41 and 0.48 µs
  const wide = simd && SIMD !== null;
  if (r === 2) {
    // one product, the common case: no batch axes to walk
    const operands: GemmOperands = { A, ao: 0, ai, ap, B, bo: 0, bp, bj, co: 0, m, k, n };
    if (wide) return gemmSimd(SIMD!, operands, precision, null); // its result straight out of the module
    const out = allocateUnzeroed(precision.dtype, m * n);
    gemm(operands, out, precision.round);
    return out;
  }
  const batchShape = outShape.slice(0, r - 2);
  const aBatch = broadcastStrides(a.shape.slice(0, -2), batchShape);
  const bBatch = broadcastStrides(b.shape.slice(0, -2), batchShape);
  const batch = sizeOf(batchShape);
  // one matrix against a batch (a convolution's weight against each image's columns)
  const shared = aBatch.every((s) => s === 0) ? 'A' : bBatch.every((s) => s === 0) ? 'B' : null;
  if (wide && batch > 1) {
    const offsets: [number, number, number][] = [];
    forEachRow(
      [...batchShape, 1],
      [
        [...aBatch, 0],
        [...bBatch, 0],
      ],
      (t, _length, [pa, pb]) => offsets.push([pa! * m * k, pb! * k * n, t * m * n]),
    );
    const out = allocateUnzeroed(precision.dtype, sizeOf(outShape));
    const operands = { A, ai, ap, B, bp, bj, m, k, n };
    // a batch of small products (attention's heads): one copy of the operands into the module for all;
    // of large ones, each packed while the one before runs on the team's threads
    if (m * n * k < PARALLEL_WORK) gemmSimdBatch(SIMD!, operands, offsets, precision, out);
    else gemmSimdPipelined(SIMD!, operands, offsets, shared, precision, out);
    return out;
  }
  // one product through WebAssembly takes its result straight out of the module's memory
  let out = wide && batch === 1 ? null : allocateUnzeroed(precision.dtype, sizeOf(outShape));
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
 * `matmul` of two matrices (no batch axes, neither transposed) on Web Workers, where the page is
 * cross-origin isolated: the same kernel, so the same bits. The operands are copied before this returns,
 * so they may change while it runs. Elsewhere, or for a product too small for the SIMD kernel, it is
 * `matmul`, resolved.
 */
export function matmulAsync(a: NDArray, b: NDArray, outShape: readonly number[]): Promise<Storage> {
  const [m, n] = outShape as [number, number];
  const k = a.shape[1]!;
  const precision = PRECISIONS[promote(a, b)];
  if (ASYNC_SIMD === null || outShape.length !== 2 || m * n * k < 4096)
    return Promise.resolve(matmul(a, b, false, false, outShape));
  // copies, taken now: the caller may change its tensors while the workers run
  const A = convert(a.data, precision.dtype);
  const B = convert(b.data, precision.dtype);
  const operands: GemmOperands = {
    A: A === a.data ? A.slice() : A,
    ao: 0,
    ai: k,
    ap: 1,
    B: B === b.data ? B.slice() : B,
    bo: 0,
    bp: n,
    bj: 1,
    co: 0,
    m,
    k,
    n,
  };
  return gemmSimdAsync(operands, precision);
}
