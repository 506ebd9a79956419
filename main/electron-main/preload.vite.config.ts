// Bundles the preload into one CommonJS file: a sandboxed preload can require only `electron`, so its import of the
// shared channel names (common/protocol/channels.ts) is inlined here. Runs after tsc and replaces tsc's preload.cjs.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  logLevel: 'warn',
  // Vite transpiles .ts by default; the preload is .cts (CommonJS for tsc's typecheck).
  esbuild: { include: /\.c?ts$/ },
  build: {
    outDir: 'dist/main/electron-main',
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: false,
    lib: {
      entry: 'main/electron-main/preload.cts',
      formats: ['cjs'],
      fileName: () => 'preload.cjs',
    },
    rollupOptions: { external: ['electron'] },
  },
});
