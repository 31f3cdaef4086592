import { getMatmulPrecision, setMatmulPrecision } from '@adjoint/autograd';
import { describe, expect, test } from 'vitest';
import { hasFusedMultiplyAdd } from '../src/kernels/wasm';
import { checkHighPrecision } from './fused';

// setMatmulPrecision('high'): fused multiply-adds where the runtime has WebAssembly relaxed SIMD, the
// exact kernels elsewhere. Chromium has relaxed SIMD; Node.js 20 only behind a flag, so this file also
// starts a Node.js process with the flag (in Node; the browser has no processes).
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

  test.runIf(!inBrowser)(
    'in Node.js with --experimental-wasm-relaxed-simd, the fused kernels run',
    async () => {
      const { spawnSync } = await import('node:child_process');
      const script = new URL('./fused-main.ts', import.meta.url).pathname;
      const run = spawnSync(
        process.execPath,
        ['--experimental-wasm-relaxed-simd', '--conditions=@adjoint/source', '--import', 'tsx', script],
        { encoding: 'utf8' },
      );
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^fused: float32 [1-9]\d*\/5120 differ, float64 [1-9]\d*\/5120 differ\n$/);
    },
    60_000,
  );
});
