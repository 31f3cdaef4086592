import { describe, expect, test } from 'vitest';
import { QUICK, runHeadless } from '../src/gpu';

// The GPU benchmark's page, run as `bench:gpu --headless --quick` runs it: in Chromium on SwiftShader
// (speed means nothing there), only to check that every workload completes for every library and
// that the page's results, which a person with a GPU downloads, hold a row for each.
describe('the GPU benchmark page', () => {
  test('runs matmul, W3 and W6 for adjoint (eager and compiled), jax-js and TF.js on WebGPU, and reports each', async () => {
    const result = await runHeadless(QUICK);
    expect(result.adapter).toMatch(/swiftshader/);
    expect(result.errors).toEqual([]);
    for (const workload of ['matmul 64', 'W3 MLP step', 'W6 CNN step']) {
      const rows = result.rows.filter((r) => r.workload === workload);
      const libraries = [
        'adjoint (webgpu)',
        ...(workload.startsWith('matmul') ? [] : ['adjoint compiled (webgpu)']),
        /^jax-js/,
        'tfjs (webgpu)',
      ];
      expect(rows.map((r) => r.library)).toEqual(
        libraries.map((l) => (typeof l === 'string' ? l : expect.stringMatching(l))),
      );
      for (const r of rows) {
        expect(r.median).toBeGreaterThan(0);
        expect(r.min).toBeLessThanOrEqual(r.median);
        expect(r.gflops).toBeGreaterThan(0);
      }
    }
  }, 300_000);
});
