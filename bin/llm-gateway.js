#!/usr/bin/env node
// The package's command: runs the compiled CLI (npm run build, or npm install, compiles it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('llm-gateway is not built yet: run `npm run build` (or `npm install`) in the project folder first.');
  process.exit(2);
}
await import(entry.href);
