import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const setup = fileURLToPath(new URL('./vitest.setup.ts', import.meta.url));

export default defineConfig({
  test: {
    projects: ['autograd', 'nn', 'examples'].map((name) => ({
      extends: true,
      test: { name, root: `packages/${name}`, include: ['test/**/*.test.ts'], setupFiles: [setup] },
    })),
  },
});
