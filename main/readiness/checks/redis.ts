// Check 8: Redis straight through `ioredis` with the stack's password: PING answers PONG, and a wrong password
// is refused (a Redis that accepts any password is open to every local process). Skipped without a Redis URL.
import { Redis } from 'ioredis';
import { redactUrl } from './database.js';
import type { CheckDefinition } from '../types.js';

interface Attempt {
  ok: boolean;
  pong?: string;
  ms: number;
  error?: string;
}

/** One connection attempt without retries; the first error event explains a refusal. */
export async function tryRedis(url: string, timeoutMs = 5_000): Promise<Attempt> {
  const started = performance.now();
  const redis = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
  });
  let firstError: string | undefined;
  redis.on('error', (err: Error) => (firstError ??= err.message));
  try {
    await redis.connect();
    const pong = await redis.ping();
    return { ok: true, pong, ms: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - started), error: firstError ?? (err as Error).message };
  } finally {
    redis.disconnect();
  }
}

/** The same URL with a password that cannot be right. */
export function withWrongPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = `${decodeURIComponent(parsed.password)}-wrong-${Date.now()}`;
  return parsed.toString();
}

export const redisCheck: CheckDefinition = {
  id: 'redis',
  number: 8,
  title: 'Redis',
  async run(ctx) {
    const url = ctx.options.redisUrl;
    if (!url)
      return { status: 'skip', reason: 'no Redis to check (embedded mode keeps limits in memory; pass --redis-url)' };
    const target = redactUrl(url);
    const right = await tryRedis(url);
    if (!right.ok || right.pong !== 'PONG') {
      const auth = /WRONGPASS|NOAUTH|invalid password/i.test(right.error ?? '');
      return {
        status: 'fail',
        summary: `${target}: ${right.error ?? `PING answered ${right.pong}`}`,
        fix: auth
          ? 'The password was refused: use REDIS_PASSWORD from $LLMGW_HOME/stack.env (or --redis-url redis://:PASSWORD@host:port).'
          : 'Redis is not reachable: `llm-gateway status`, then `llm-gateway start` (or `up`).',
        details: { target, error: right.error },
      };
    }
    const wrong = await tryRedis(withWrongPassword(url));
    const details = { target, pingMs: right.ms, wrongPasswordRefused: !wrong.ok, wrongPasswordError: wrong.error };
    if (wrong.ok) {
      return {
        status: 'fail',
        summary: `${target}: a wrong password was accepted (no requirepass)`,
        fix: 'Give Redis a password (requirepass, REDIS_PASSWORD in $LLMGW_HOME/stack.env) and recreate it with `llm-gateway up`.',
        details,
      };
    }
    return {
      status: 'pass',
      summary: `PONG in ${right.ms} ms; a wrong password is refused (${wrong.error?.split(' ')[0] ?? 'refused'})`,
      details,
    };
  },
};
