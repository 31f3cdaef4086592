import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const setup = fileURLToPath(new URL('./vitest.setup.ts', import.meta.url));

// Tests run the packages from source: '@adjoint/source' is the export condition that points at src/
// (published packages resolve to dist/ instead), so no build is needed between edits.
const conditions = ['@adjoint/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    // Test files share a module graph per worker: three times faster, and safe because the engine's only
    // module state, the no-grad flag and the thread count, is always restored.
    isolate: false,
    // `pnpm fuzz` runs every property 100 times longer
    testTimeout: process.env.ADJOINT_FUZZ ? 3_600_000 : 5_000,
    projects: ['autograd', 'nn', 'examples'].map((name) => ({
      extends: true,
      test: { name, root: `packages/${name}`, include: ['test/**/*.test.ts'], setupFiles: [setup] },
    })),
  },
});
