// How matrix products may round: the one setting of the gemm a user changes (wasm.ts reads it).
import { describe } from '../shape.js';

/** How much rounding a product may skip: PyTorch's names (`torch.set_float32_matmul_precision`). */
export type MatmulPrecision = 'highest' | 'high';

let precision: MatmulPrecision = 'highest';

/**
 * How matrix products round, in both dtypes. 'highest' (the default): each product and each sum is
 * rounded, in index order, so every path (TypeScript, SIMD, threads, compiled) gives the same bits.
 * 'high': where the runtime has WebAssembly relaxed SIMD (Chromium 114+, Firefox, Node 22), the blocks
 * fuse each multiply-add (one rounding for a·b + c); each element then differs from the exact one in
 * its last bits (within 2k·u·Σ|a||b|, u the dtype's unit roundoff). Elsewhere 'high' runs the exact
 * kernels. Not yet faster: a 4×8 block's eight accumulators wait on the fused op's latency (measured
 * equal to the exact kernel in Chromium on an AMD EPYC, 38.5 GFLOP/s at n = 1024). Global, like
 * `setNumThreads`.
 */
export function setMatmulPrecision(value: MatmulPrecision): void {
  if (value !== 'highest' && value !== 'high')
    throw new TypeError(`setMatmulPrecision: expected 'highest' or 'high', got ${describe(value)}`);
  precision = value;
}

/** The precision `setMatmulPrecision` set ('highest' by default). */
export function getMatmulPrecision(): MatmulPrecision {
  return precision;
}
