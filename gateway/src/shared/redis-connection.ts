// The one place where ioredis connection behaviour is decided (used by RedisSharedCache and RedisLimiter's caller).
// Policy: reconnect forever with capped, jittered backoff; fail fast instead of queueing while disconnected,
// so the hot path never hangs on a Redis outage; never silently re-send a command that was in flight.
import { Redis } from 'ioredis';

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
    retryStrategy: (times: number) => {
      const base = Math.min(50 * 2 ** Math.min(times - 1, 16), maxDelay);
      return base + Math.floor(Math.random() * Math.min(100, base));
    },
    // After a failover the old primary answers READONLY: reconnect (DNS may now point at the new primary).
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
  });
  // Without a listener ioredis prints every connection error to the console.
  redis.on('error', opts.onError ?? (() => {}));
  return redis;
}

/** Resolves when the client is ready; rejects after timeoutMs or if the client is closed for good. */
export function waitForReady(redis: Redis, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<void> {
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
export async function closeRedis(redis: Redis): Promise<void> {
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
