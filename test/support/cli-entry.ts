// Runs one of the CLI's own entry functions (createKey, revokeKey…) in this process with the environment a CLI on the
// harness's PostgreSQL schema and Redis prefix would have, capturing what it prints; the environment is restored after.
import { vi } from 'vitest';
import type { Harness } from './harness.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './services.js';

export interface CliOutput {
  /** Each console.log call's first argument. */
  logs: string[];
  /** Each console.error call's first argument (warnings such as an unreachable Redis). */
  errors: string[];
}

export async function runCliEntry(h: Harness, entry: () => Promise<void>): Promise<CliOutput> {
  const env = { ...process.env };
  Object.assign(process.env, {
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: h.schema!,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: h.redisPrefix,
  });
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    await entry();
    return { logs: log.mock.calls.map((c) => String(c[0])), errors: error.mock.calls.map((c) => String(c[0])) };
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.env = env;
  }
}
