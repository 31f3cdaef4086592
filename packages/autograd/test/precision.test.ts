import { getMatmulPrecision, setMatmulPrecision } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';
import { hasFusedMultiplyAdd } from '../src/kernels/wasm';
import { checkHighPrecision } from './fused';

// setMatmulPrecision('high'): fused multiply-adds where the runtime has WebAssembly relaxed SIMD, the
// exact kernels elsewhere. Chromium has relaxed SIMD; Node.js 20 only behind a flag, which
// precision-node.test.ts turns on in a process of its own.
const inBrowser = typeof (globalThis as { window?: unknown }).window !== 'undefined';

describe('matmul precision', () => {
  test("'highest' by default; anything but 'highest' and 'high' is an Error naming it", () => {
    expect(getMatmulPrecision()).toBe('highest');
    expect(() => setMatmulPrecision('medium' as 'high')).toThrow(
      "setMatmulPrecision: expected 'highest' or 'high', got the string \"medium\"",
    );
    expect(getMatmulPrecision()).toBe('highest');
  });

  test("'high' fuses multiply-adds where the runtime has relaxed SIMD (Chromium does), within the bound", () => {
    if (inBrowser) expect(hasFusedMultiplyAdd).toBe(true);
    expect(checkHighPrecision()).toMatch(
      hasFusedMultiplyAdd ? /^fused: float32 [1-9]/ : /^exact: float32 0\//,
    );
  });
});
