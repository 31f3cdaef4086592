import { expect, test } from 'vitest';
import { assemble } from '../scripts/build-wasm.mjs';
import {
  GEMM_WASM,
  GEMM_WASM_FUSED,
  GEMM_WASM_FUSED_SHARED,
  GEMM_WASM_SHARED,
} from '../src/kernels/gemm-wasm';

// Node only: the assembler (wabt) and the .wat file are read from disk.
test('the committed kernels are src/kernels/gemm.wat assembled (run scripts/build-wasm.mjs after editing it)', async () => {
  const path = new URL('../src/kernels/gemm.wat', import.meta.url).pathname;
  expect((await assemble(path)).toString('base64')).toBe(GEMM_WASM);
  expect((await assemble(path, true)).toString('base64')).toBe(GEMM_WASM_SHARED);
  expect((await assemble(path, false, true)).toString('base64')).toBe(GEMM_WASM_FUSED);
  expect((await assemble(path, true, true)).toString('base64')).toBe(GEMM_WASM_FUSED_SHARED);
});
