// Where the app keeps its files ($LLMGW_HOME, default the OS's per-user app-data folder) and the stack's
// generated env file ($LLMGW_HOME/stack.env), from which the CLI takes the admin token and the DB/Redis targets.
// llmgwHome() resolves exactly like main/stack/paths.ts (kept separate so the suite does not load the Docker client).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function llmgwHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LLMGW_HOME) return path.resolve(env.LLMGW_HOME);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'llm-gateway');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'llm-gateway');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'llm-gateway');
}

/** KEY=VALUE lines (comments, blank lines and surrounding quotes ignored). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    const value = m[2]!;
    out[m[1]!] = /^(['"]).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return out;
}

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
