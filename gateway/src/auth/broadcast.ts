// Key invalidation from outside a running gateway (the CLI's `keys revoke`): publishes on the same Redis channel the
// admin API's invalidations use, so every replica drops the key from its cache at once instead of after
// KEY_CACHE_TTL_MS. Embedded mode (no REDIS_URL) has no shared channel: a gateway there keeps its in-process cache.
import type { GatewayConfig } from '../config.js';
import { KEY_INVALIDATION_CHANNEL } from './key-cache.js';

export type BroadcastResult =
  { sent: true } | { sent: false; reason: 'no_redis' | 'redis_unreachable'; error?: string };

/** Tells every replica sharing REDIS_URL / REDIS_PREFIX to forget these key hashes. Never throws. */
export async function broadcastKeyInvalidation(
  config: Pick<GatewayConfig, 'REDIS_URL' | 'REDIS_PREFIX' | 'REDIS_CLUSTER' | 'REDIS_CLUSTER_NODES'>,
  hashes: readonly string[],
): Promise<BroadcastResult> {
  if (!config.REDIS_URL) return { sent: false, reason: 'no_redis' };
  // Loaded only when used: embedded mode never opens a Redis connection.
  const [{ RedisSharedCache }, { redisTarget }] = await Promise.all([
    import('../shared/redis.js'),
    import('../shared/redis-connection.js'),
  ]);
  const shared = new RedisSharedCache({
    url: redisTarget({ ...config, REDIS_URL: config.REDIS_URL }),
    prefix: config.REDIS_PREFIX,
    name: 'llmgw-cli',
  });
  try {
    await shared.ping(); // commands fail fast while disconnected (no offline queue): connect first
    for (const hash of hashes) await shared.publish(KEY_INVALIDATION_CHANNEL, hash);
    return { sent: true };
  } catch (err) {
    return { sent: false, reason: 'redis_unreachable', error: err instanceof Error ? err.message : String(err) };
  } finally {
    await shared.close();
  }
}
