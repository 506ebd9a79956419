// The one place where ioredis connection behaviour is decided (used by RedisSharedCache and RedisLimiter's caller).
// Policy: reconnect forever with capped, jittered backoff; fail fast instead of queueing while disconnected,
// so the hot path never hangs on a Redis outage; never silently re-send a command that was in flight.
// The same policy holds for a Redis Cluster (REDIS_CLUSTER=true): createRedisClient() then returns ioredis's Cluster.
import { Cluster, Redis } from 'ioredis';

/** One Redis server, or a Redis Cluster: both speak the same commands; pipelines differ (see redis-slots.ts). */
export type RedisClient = Redis | Cluster;

/**
 * Where Redis is: a plain redis(s):// URL (one server), or a cluster reached through seed nodes. The URL's
 * credentials and TLS (rediss://) apply to every node; the seeds only bootstrap (ioredis discovers the rest).
 */
export type RedisTarget = string | { url: string; cluster: true; seeds: readonly string[] };

/** The target the gateway configuration names (REDIS_URL, REDIS_CLUSTER, REDIS_CLUSTER_NODES). */
export function redisTarget(config: {
  REDIS_URL: string;
  REDIS_CLUSTER: boolean;
  REDIS_CLUSTER_NODES: readonly string[];
}): RedisTarget {
  if (!config.REDIS_CLUSTER) return config.REDIS_URL;
  return { url: config.REDIS_URL, cluster: true, seeds: config.REDIS_CLUSTER_NODES };
}

export interface RedisConnectionOptions {
  /** CLIENT SETNAME, visible in CLIENT LIST (no spaces). Default "llmgw". */
  name?: string;
  /** TCP connect + handshake timeout. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** A command without a reply after this long is rejected (e.g. a paused server). Default 2000 ms. */
  commandTimeoutMs?: number;
  /** Cap of the reconnect backoff. Default 2000 ms. */
  maxRetryDelayMs?: number;
  /** Connection errors (refused, reset, timeouts). ioredis retries by itself; default: ignored. */
  onError?: (err: Error) => void;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 2000;

function backoff(maxDelay: number): (times: number) => number {
  return (times: number) => {
    const base = Math.min(50 * 2 ** Math.min(times - 1, 16), maxDelay);
    return base + Math.floor(Math.random() * Math.min(100, base));
  };
}

/** A connected client for the target: createRedis() for one server, createCluster() for a cluster. */
export function createRedisClient(target: RedisTarget, opts: RedisConnectionOptions = {}): RedisClient {
  return typeof target === 'string' ? createRedis(target, opts) : createCluster(target, opts);
}

/**
 * A connected (lazyConnect: false) ioredis client.
 * - retryStrategy always returns a delay, so it reconnects forever (50 ms doubling up to maxRetryDelayMs, plus jitter).
 * - enableOfflineQueue: false: a command issued while not connected rejects at once
 *   ("Stream isn't writeable…") instead of waiting in a queue for a reconnect that may take seconds.
 * - maxRetriesPerRequest: 0 + autoResendUnfulfilledCommands: false: a command in flight when the socket drops is
 *   rejected, not replayed after reconnect (replaying a rate-limit admission could record it twice).
 * - autoResubscribe: true: a subscriber connection re-subscribes its channels after a reconnect.
 * Use waitForReady() (or a ping that does) before the first command after creation.
 */
export function createRedis(url: string, opts: RedisConnectionOptions = {}): Redis {
  const maxDelay = opts.maxRetryDelayMs ?? 2000;
  const redis = new Redis(url, {
    connectionName: opts.name ?? 'llmgw',
    lazyConnect: false,
    connectTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout: opts.commandTimeoutMs ?? 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: true,
    enableReadyCheck: true,
    retryStrategy: backoff(maxDelay),
    // After a failover the old primary answers READONLY: reconnect (DNS may now point at the new primary).
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
  });
  // Without a listener ioredis prints every connection error to the console.
  redis.on('error', opts.onError ?? (() => {}));
  return redis;
}

/**
 * A Redis Cluster client with the same policy as createRedis():
 * - the seeds are the URL's host plus REDIS_CLUSTER_NODES; CLUSTER SLOTS tells ioredis the rest, and it refreshes
 *   that map every 5 s and on each MOVED reply (a failover moves slots to the promoted replica).
 * - enableOfflineQueue: false: while the cluster is not ready (no slot map yet, or every seed down) a command
 *   rejects at once. Per node: maxRetriesPerRequest 0 and no re-send after a reconnect, as for one server.
 * - clusterRetryStrategy reconnects the whole cluster forever with the same capped backoff.
 * - MOVED / ASK / TRYAGAIN / CLUSTERDOWN are followed by ioredis (the command did not run on the node that
 *   answered so, so following them cannot admit twice). A command that was in flight when its node's connection
 *   dropped is retried after retryDelayOnFailover: with 16 redirections that could hold a request for 1.6 s, so
 *   redirections are capped at 4 (≤ 400 ms) and the hot path then fails over to LIMITS_FAIL_MODE.
 */
export function createCluster(
  target: { url: string; seeds: readonly string[] },
  opts: RedisConnectionOptions = {},
): Cluster {
  const maxDelay = opts.maxRetryDelayMs ?? 2000;
  const url = new URL(target.url);
  const seeds = [`${url.hostname}:${url.port || '6379'}`, ...target.seeds].map((seed) => {
    const at = seed.lastIndexOf(':');
    return { host: seed.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(seed.slice(at + 1)) };
  });
  const cluster = new Cluster(seeds, {
    enableOfflineQueue: false,
    enableReadyCheck: true,
    lazyConnect: false,
    maxRedirections: 4,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    clusterRetryStrategy: backoff(maxDelay),
    redisOptions: {
      connectionName: opts.name ?? 'llmgw',
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
      connectTimeout: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      commandTimeout: opts.commandTimeoutMs ?? 2000,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: true,
      enableReadyCheck: true,
    },
  });
  cluster.on('error', opts.onError ?? (() => {}));
  // A node's own connection errors are reported on the node, not the cluster: silence them the same way.
  cluster.on('+node', (node: Redis) => node.on('error', opts.onError ?? (() => {})));
  return cluster;
}

/** Resolves when the client is ready; rejects after timeoutMs or if the client is closed for good. */
export function waitForReady(redis: RedisClient, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  if (redis.status === 'end') return Promise.reject(new Error('Redis connection is closed'));
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('Redis connection is closed'));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms (status: ${redis.status})`));
    }, timeoutMs);
    redis.once('ready', onReady);
    redis.once('end', onEnd);
  });
}

/** Graceful QUIT when connected, otherwise (or if QUIT fails) a hard disconnect that also stops reconnecting. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through
    }
  }
  redis.disconnect(false);
}
