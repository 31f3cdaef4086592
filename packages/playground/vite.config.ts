import { defineConfig } from 'vite';

// A static site: relative asset paths, so it runs from any folder of any static host. It is built on the
// packages' dist/ (as a user installs them), never on their sources.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 2000 },
  worker: { format: 'es' },
});
