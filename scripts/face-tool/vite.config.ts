import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** Builds the dataset tool page (`npm run faces:build`) into .cache/face-tool. Not part of the extension. */
export default defineConfig({
  root: resolve(import.meta.dirname),
  base: '/tool/',
  define: { __UNMASK_E2E__: 'false' },
  build: { outDir: resolve(import.meta.dirname, '../../.cache/face-tool'), emptyOutDir: true, target: 'chrome116' },
  worker: { format: 'es' },
});
