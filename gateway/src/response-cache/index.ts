// The response cache's entry point (README "Response cache"): exact-match answers of deterministic requests.
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import type { GatewayMetrics } from '../metrics.js';
import type { SharedCache } from '../shared/types.js';
import { MemoryResponseStore, SharedResponseStore } from './store.js';
import { ResponseCache } from './response-cache.js';

export { ResponseCache, X_CACHE, type CachePlan, type CacheResult } from './response-cache.js';
export type { CachedAnswer } from './entry.js';
export { CACHE_HEADER } from './key.js';

/** Redis (shared by the replicas) when the gateway has one; else an in-process LRU bounded by bytes. */
export function createResponseCache(
  config: GatewayConfig,
  shared: SharedCache,
  log: Logger,
  metrics: GatewayMetrics,
): ResponseCache {
  const store =
    shared.kind === 'redis'
      ? new SharedResponseStore(shared)
      : new MemoryResponseStore(config.RESPONSE_CACHE_MEMORY_BYTES);
  return new ResponseCache(
    store,
    {
      enabled: config.RESPONSE_CACHE,
      ttlSeconds: config.RESPONSE_CACHE_TTL_S,
      maxEntryBytes: config.RESPONSE_CACHE_MAX_BYTES,
      shared: config.RESPONSE_CACHE_SHARED,
    },
    log,
    metrics,
  );
}
