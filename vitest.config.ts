import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

const setup = fileURLToPath(new URL('./vitest.setup.ts', import.meta.url));

// Tests run the packages from source: '@adjoint/source' is the export condition that points at src/
// (published packages resolve to dist/ instead), so no build is needed between edits.
const conditions = ['@adjoint/source'];

/** The browser the Chromium projects run in: Debian's, installed by .ci/run (apt-get install chromium). */
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium: the system's (Debian's package), never a downloaded one; missing, the run fails. */
const browser = (flags: readonly string[] = []) => ({
  enabled: true,
  headless: true,
  provider: playwright({ launchOptions: { executablePath: CHROMIUM, args: ['--no-sandbox', ...flags] } }),
  instances: [{ browser: 'chromium' as const }],
});

export default defineConfig({
  // The browser projects' pages are cross-origin isolated, as a page must be to share memory with Web
  // Workers: matmulAsync's workers are tested there.
  server: {
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    // Test files share a module graph per worker: three times faster, and safe because the engine's
    // module state (the no-grad and anomaly flags, the seam's interpreter, the thread count) is always
    // restored by the call that changed it.
    isolate: false,
    // `pnpm fuzz` runs every property 100 times longer. A test asserts values, never its own time: the limit
    // only stops one that hangs, and is set far above what any test takes alone, since the whole suite
    // (Node and Chromium at once) on a loaded 2-core machine ran tests that take 0.7–1 s alone in 5–6 s
    testTimeout: process.env.ADJOINT_FUZZ ? 3_600_000 : 30_000,
    projects: [
      ...['autograd', 'nn', 'examples', 'playground', 'bench'].map((name) => ({
        extends: true as const,
        test: {
          name,
          root: `packages/${name}`,
          include: ['test/**/*.test.ts'],
          // test/browser/: what only a browser can show (real clicks), in the Chromium projects
          exclude: ['test/full-run.test.ts', 'test/browser/**', 'test/webgpu/**'],
          setupFiles: [setup],
        },
      })),
      // the full recipes that take minutes, run alone after the rest (see the root package.json's test)
      {
        extends: true as const,
        test: {
          name: 'full-runs',
          root: 'packages/examples',
          include: ['test/full-run.test.ts'],
          setupFiles: [setup],
        },
      },
      // The same test files in real Chromium, all but those that need Node (files, processes, workers),
      // and test/browser/, what only a browser can show (real clicks).
      ...(
        [
          ['autograd', ['citations', 'layout', 'threads', 'wasm-source', 'precision-node']],
          ['nn', ['memory', 'print', 'checkpoint-files', 'dataset-files']],
        ] as const
      ).map(([name, nodeOnly]) => ({
        extends: true as const,
        test: {
          name: `${name}, in a browser`,
          root: `packages/${name}`,
          include: ['test/**/*.test.ts'],
          exclude: [...nodeOnly.map((file) => `test/${file}.test.ts`), 'test/webgpu/**'],
          setupFiles: [setup],
          browser: browser(),
        },
      })),
      // The WebGPU backend's tests, in Chromium with WebGPU on: on SwiftShader (the CPU's Vulkan) where
      // the machine has no GPU, as here and in CI; gc() exposed, so the pool's test can collect tensors
      ...['autograd', 'nn'].map((name) => ({
        extends: true as const,
        test: {
          name: `${name}, on webgpu`,
          root: `packages/${name}`,
          include: ['test/webgpu/**/*.test.ts'],
          // SwiftShader runs WGSL on the CPU and compiles each pipeline on first use, beside the other
          // projects on two cores: a training test that takes 5 s alone took over 30 s in CI. The limit
          // only stops a test that hangs
          testTimeout: process.env.ADJOINT_FUZZ ? 3_600_000 : 180_000,
          setupFiles: [setup],
          browser: browser([
            '--enable-unsafe-webgpu',
            '--use-webgpu-adapter=swiftshader',
            '--js-flags=--expose-gc',
          ]),
        },
      })),
    ],
  },
});
