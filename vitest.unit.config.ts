// `npm run test:unit`: the tests that need no PostgreSQL, Redis, Docker or build output, for a fast loop. No global
// setup (the full config's refuses to run without the services). A test that starts needing a service belongs in
// the excludes below; `npm test` still runs everything.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  { ...base, test: { ...base.test, globalSetup: [] } },
  defineConfig({
    test: {
      exclude: [
        // real PostgreSQL + Redis (test/support/harness.ts, services.ts)
        'test/gateway/**',
        'test/clients/**',
        'gateway/src/**/*.behaviour.test.ts',
        'gateway/src/store/open-store.test.ts',
        'main/readiness/checks-*.test.ts',
        'main/readiness/cli.test.ts',
        'main/readiness/suite.test.ts',
        // the real `docker compose` client (compose config of the stack definition)
        'main/stack/compose-hardening.test.ts',
        // reads the build output (npm run build)
        'test/packaging/**',
      ],
    },
  }),
);
