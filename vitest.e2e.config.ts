import { defineConfig } from 'vitest/config';

// The end-to-end suite: the real Compose stack on a real Docker Engine (`npm run test:e2e`, run by .ci/run).
// One file, in order, never in parallel: the scenarios share one stack.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 900_000,
    fileParallelism: false,
    pool: 'forks',
    bail: 1,
  },
});
