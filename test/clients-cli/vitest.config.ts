import { defineConfig } from 'vitest/config';

// The coding CLIs (Claude Code, Codex) driven through the embedded gateway (`npm run test:cli`, run by .ci/run
// after `npm ci --prefix test/clients-cli`). Its own config: the CLIs are heavy native binaries that the main
// `npm test` does not install; its files end in .e2e.ts so the main suite never picks them up.
export default defineConfig({
  test: {
    include: ['test/clients-cli/**/*.e2e.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
