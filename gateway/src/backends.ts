// Chooses and opens the stateful parts from the configuration: PostgreSQL + Redis (the stack) or
// SQLite + in-process limits and caches (embedded mode). Callers see only the interfaces.
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import type { Store } from './store/types.js';
import type { Limiter } from './limits/types.js';
import type { SharedCache } from './shared/types.js';
import { openStore } from './store/index.js';
import { MemoryLimiter } from './limits/memory.js';
import { MemorySharedCache } from './shared/memory.js';
import type { UsageJournal } from './usage/recorder.js';

export interface Backends {
  store: Store;
  limiter: Limiter;
  shared: SharedCache;
  /** With Redis: where usage rows go as answers complete (drained into the store); none in embedded mode. */
  journal?: UsageJournal;
}

export async function openBackends(
  config: GatewayConfig,
  log: Logger,
  onSharedResubscribe: () => void,
): Promise<Backends> {
  const store = await openStore({
    sqlitePath: config.SQLITE_PATH,
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    ...(config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {}),
  });
  if (!config.REDIS_URL) {
    return { store, limiter: new MemoryLimiter(), shared: new MemorySharedCache() };
  }
  // Loaded only when used, like the SQLite driver: embedded mode never opens a Redis connection.
  const [
    { RedisLimiter },
    { RedisSharedCache },
    { createRedisClient, redisTarget, waitForReady },
    { RedisUsageJournal },
  ] = await Promise.all([
    import('./limits/redis.js'),
    import('./shared/redis.js'),
    import('./shared/redis-connection.js'),
    import('./usage/redis-journal.js'),
  ]);
  const onError = (err: Error) => log.debug({ err: err.message }, 'redis connection error');
  const target = redisTarget({ ...config, REDIS_URL: config.REDIS_URL });
  const redis = createRedisClient(target, {
    name: `llmgw-limits-${config.INSTANCE_ID}`.replace(/\s/g, ''),
    onError,
  });
  const limiter = new RedisLimiter({ redis, prefix: config.REDIS_PREFIX, leaseMs: config.CONCURRENCY_LEASE_MS });
  // The limiter's connection: the row rides in the settle's pipeline (no extra connection or round trip).
  const journal = new RedisUsageJournal({
    limiter,
    redis,
    prefix: config.REDIS_PREFIX,
    consumer: config.INSTANCE_ID,
    claimIdleMs: config.USAGE_CLAIM_IDLE_MS,
  });
  const shared = new RedisSharedCache({
    url: target,
    prefix: config.REDIS_PREFIX,
    name: `llmgw-cache-${config.INSTANCE_ID}`.replace(/\s/g, ''),
    onResubscribe: onSharedResubscribe,
    onError,
  });
  // Start even when Redis is late: limits follow LIMITS_FAIL_MODE until it answers, readiness reports it.
  await Promise.all([waitForReady(redis, 5_000), shared.ping()]).catch((err: unknown) =>
    log.warn({ err: String(err) }, 'Redis is not reachable yet; continuing and retrying in the background'),
  );
  return { store, limiter, shared, journal };
}
