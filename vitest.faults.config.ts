import { defineConfig } from 'vitest/config';

// The fault and abuse suite (`npm run test:faults`): the real Compose stack on Docker, brought up once; the
// scenarios run in order on it and each restores what it broke. One file, never in parallel.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.faults.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 1_200_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
