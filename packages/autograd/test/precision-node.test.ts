import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';

// Node.js only (it starts a process): the checks of fused.ts in a Node.js 20 process with relaxed SIMD
// turned on by its flag, where the fused kernels must run.
test('in Node.js with --experimental-wasm-relaxed-simd, the fused kernels run', () => {
  const script = new URL('./fused-main.ts', import.meta.url).pathname;
  const run = spawnSync(
    process.execPath,
    ['--experimental-wasm-relaxed-simd', '--conditions=@adjoint/source', '--import', 'tsx', script],
    { encoding: 'utf8' },
  );
  expect(run.stderr).toBe('');
  expect(run.stdout).toMatch(/^fused: float32 [1-9]\d*\/5120 differ, float64 [1-9]\d*\/5120 differ\n$/);
}, 60_000);
