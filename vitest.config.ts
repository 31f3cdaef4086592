import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const setup = fileURLToPath(new URL('./vitest.setup.ts', import.meta.url));

export default defineConfig({
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
