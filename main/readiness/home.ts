// The stack's generated env file ($LLMGW_HOME/stack.env), from which the CLI takes the admin token and the
// PostgreSQL/Redis targets. Paths and parsing are the stack controller's own (neither loads the Docker client).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { llmgwHome } from '../stack/paths.js';
import { parseEnvFile } from '../stack/env-file.js';

export { llmgwHome, parseEnvFile };

/** The stack's env file, or null when the stack was never set up. */
export function readStackEnv(home = llmgwHome()): Record<string, string> | null {
  try {
    return parseEnvFile(readFileSync(path.join(home, 'stack.env'), 'utf8'));
  } catch {
    return null;
  }
}

/** The stack's published PostgreSQL and Redis on loopback, with the credentials of stack.env. */
export function stackTargets(env: Record<string, string>): { databaseUrl?: string; redisUrl?: string } {
  const enc = encodeURIComponent;
  const out: { databaseUrl?: string; redisUrl?: string } = {};
  if (env.POSTGRES_USER && env.POSTGRES_PASSWORD && env.POSTGRES_DB) {
    out.databaseUrl = `postgres://${enc(env.POSTGRES_USER)}:${enc(env.POSTGRES_PASSWORD)}@127.0.0.1:${env.POSTGRES_PORT ?? 15432}/${enc(env.POSTGRES_DB)}`;
  }
  if (env.REDIS_PASSWORD) out.redisUrl = `redis://:${enc(env.REDIS_PASSWORD)}@127.0.0.1:${env.REDIS_PORT ?? 16379}`;
  return out;
}
