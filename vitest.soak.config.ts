import { defineConfig } from 'vitest/config';

// The memory soak (`npm run soak:faults`, SOAK_MINUTES): the real Compose stack under mixed traffic for minutes.
// Not part of CI (too long); run and reported by hand.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.soak.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 60 * 60_000,
    hookTimeout: 1_200_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
