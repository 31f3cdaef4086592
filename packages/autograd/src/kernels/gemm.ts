/**
 * The matrix product in TypeScript: the reference every faster path is checked against, and what runs
 * where WebAssembly SIMD is missing. Matmul accumulates in its dtype, as BLAS does.
 */
import type { DType, Storage } from '../ndarray.js';

/**
 * One matrix product C[m, n] = A·B, each matrix read through strides from its offset:
 * A(i, p) = A[ao + i·ai + p·ap], B(p, j) = B[bo + p·bp + j·bj], C(i, j) = C[co + i·n + j].
 * A, B and C have one dtype.
 */
export interface GemmOperands {
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
export interface Precision {
  readonly dtype: DType;
  readonly round: (v: number) => number;
  readonly width: number;
  readonly bytes: number;
}

export const PRECISIONS: Record<DType, Precision> = {
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
export function gemm(operands: GemmOperands, C: Storage, round: (v: number) => number): void {
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
export function gemmEdges(
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
 * the width lines' values, written four lines at a time. Where `lines` ends inside a panel, the rest of
 * that panel is zeros. The reference for the module's pack64 and pack32 (which gemmSimd runs on whole
 * panels), and what gemmSimd packs a last, partial panel with.
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
  for (let l = 0; l < Math.ceil(lines / width) * width; l += 4) {
    const panel = l - (l % width);
    const real = Math.max(0, Math.min(4, lines - l)); // of these four lines, the ones the matrix has
    for (
      let p = 0, q = at + panel * steps + (l - panel), x = offset + l * lineStride;
      p < steps;
      p++, q += width, x += stepStride
    ) {
      if (real === 4) {
        heap[q] = src[x]!;
        heap[q + 1] = src[x + lineStride]!;
        heap[q + 2] = src[x + 2 * lineStride]!;
        heap[q + 3] = src[x + 3 * lineStride]!;
      } else for (let r = 0; r < 4; r++) heap[q + r] = r < real ? src[x + r * lineStride]! : 0;
    }
  }
}
