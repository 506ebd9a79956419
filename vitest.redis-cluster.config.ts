import { defineConfig } from 'vitest/config';

// The Redis Cluster suite (`npm run test:redis-cluster`): starts its own cluster of redis-server processes on
// loopback (three masters + one replica) and gateways on it, with PostgreSQL 127.0.0.1:5432 for the store.
// Kept out of `npm test` because it runs for about a minute (two failovers under load included).
export default defineConfig({
  test: {
    include: ['test/gateway/**/*.cluster.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
