// Vite build of the dashboard: renderer/ → renderer/dist, relative asset paths (the Electron window loads it from
// file://, serve mode from http://127.0.0.1:3131/), no inline scripts or styles (the CSP allows 'self' only).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
