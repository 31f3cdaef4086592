/**
 * @internal The WebAssembly modules of the matrix product (gemm.wat, assembled into gemm-wasm.ts): the
 * exact kernels, and where the runtime has relaxed SIMD the same kernels with fused multiply-adds, which
 * `setMatmulPrecision('high')` lets products use. Null where the runtime lacks SIMD.
 */
import type { DType } from '../ndarray.js';
import { GEMM_WASM, GEMM_WASM_FUSED, GEMM_WASM_FUSED_SHARED, GEMM_WASM_SHARED } from './gemm-wasm.js';
import { getMatmulPrecision } from './precision.js';
import { canUseThreads, canUseWebWorkers, type Gemm, Team } from './threads.js';

/** A pack kernel of gemm.wat: `packPanels` on the module's memory (addresses in bytes). */
export type Pack = (
  dst: number,
  src: number,
  lineStride: number,
  stepStride: number,
  lines: number,
  steps: number,
  width: number,
) => void;

/** @internal The kernels of src/kernels/gemm.wat, when this runtime has WebAssembly SIMD. */
export interface Simd {
  readonly memory: WebAssembly.Memory;
  readonly gemm: Record<DType, Gemm>;
  /** The kernels with fused multiply-adds, over the same memory; null without relaxed SIMD. */
  readonly fused: Record<DType, Gemm> | null;
  readonly pack: Record<DType, Pack>;
  /** Workers over the same memory, where it is shared (Node.js); null where it is the module's own. */
  readonly team: Team | null;
}

/** @internal The kernel a product of `dtype` runs now, and its index in the workers' list (threads.ts). */
export function kernelOf(simd: Simd, dtype: DType): { readonly gemm: Gemm; readonly index: number } {
  const fused = getMatmulPrecision() === 'high' && simd.fused !== null;
  const index = (dtype === 'float32' ? 1 : 0) + (fused ? 2 : 0);
  return { gemm: (fused ? simd.fused! : simd.gemm)[dtype], index };
}

/** @internal Compiled once, when this module loads; null where WebAssembly SIMD is missing (then TypeScript runs). */
export const SIMD: Simd | null = (canUseThreads ? instantiate(true) : null) ?? instantiate(false);

/** @internal Whether matmul runs its blocks in WebAssembly SIMD here. */
export const hasSimd = SIMD !== null;

/** @internal Whether 'high' precision fuses multiply-adds here (the runtime has relaxed SIMD). */
export const hasFusedMultiplyAdd = SIMD?.fused != null;

/** @internal The workers of matmul, where products run on several threads: for tests. */
export const team = SIMD?.team ?? null;

/**
 * @internal The module matmulAsync uses in a cross-origin-isolated page: a memory of its own, shared
 * with Web Workers that take every chunk. Null elsewhere.
 */
export const ASYNC_SIMD: Simd | null = canUseWebWorkers ? instantiate(true) : null;

/** The bytes of a module in base64. */
function decode(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** The module over a shared memory that worker threads can use too, or with a memory of its own. */
function instantiate(shared: boolean): Simd | null {
  try {
    const bytes = decode(shared ? GEMM_WASM_SHARED : GEMM_WASM);
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return null;
    const module = new WebAssembly.Module(bytes);
    // as much as the unshared memory may grow to: a shared one must say, and only reserves it
    const ownMemory = shared ? new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true }) : null;
    const { exports } = new WebAssembly.Instance(
      module,
      ownMemory === null ? {} : { env: { memory: ownMemory } },
    );
    const memory = ownMemory ?? (exports.memory as WebAssembly.Memory);
    // a runtime without relaxed SIMD rejects the fused module (Safari would reject any module holding it)
    const fusedBytes = decode(shared ? GEMM_WASM_FUSED_SHARED : GEMM_WASM_FUSED);
    const fusedModule = WebAssembly.validate(fusedBytes) ? new WebAssembly.Module(fusedBytes) : null;
    const fused =
      fusedModule === null ? null : new WebAssembly.Instance(fusedModule, { env: { memory } }).exports;
    return {
      memory,
      gemm: { float64: exports.gemm as Gemm, float32: exports.gemm32 as Gemm },
      fused: fused === null ? null : { float64: fused.gemm as Gemm, float32: fused.gemm32 as Gemm },
      pack: { float64: exports.pack64 as Pack, float32: exports.pack32 as Pack },
      team: ownMemory === null ? null : new Team(module, fusedModule, ownMemory),
    };
  } catch {
    return null;
  }
}
