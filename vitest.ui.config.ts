import { defineConfig } from 'vitest/config';

// The dashboard in headless Chromium (`npm run test:ui`): `llm-gateway serve` in embedded mode against the
// Ollama-compatible test upstream. One file, in order: the scenarios share one browser page and one serve process.
export default defineConfig({
  test: {
    include: ['test/ui/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
