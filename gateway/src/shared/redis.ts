// SharedCache on Redis: TTL values on a command connection, broadcast via Redis pub/sub on a second,
// lazily created subscriber connection. Every replica (and this process itself) receives each publish.
// On a Redis Cluster: classic PUBLISH/SUBSCRIBE, not sharded pub/sub (SSUBSCRIBE). A cluster forwards a PUBLISH to
// every node over its bus, so one subscriber connection to any node hears all channels, and ioredis's Cluster
// moves that connection to another node (re-subscribing) when its node goes away. Sharded pub/sub would save the
// bus traffic, but invalidations are rare (a key revoked or changed), and it needs one subscriber per master.
import type { SharedCache } from './types.js';
import {
  closeRedis,
  createRedisClient,
  DEFAULT_CONNECT_TIMEOUT_MS,
  waitForReady,
  type RedisClient,
  type RedisTarget,
} from './redis-connection.js';

export interface RedisSharedCacheOptions {
  /** REDIS_URL, or the cluster it names (redisTarget()). */
  url: RedisTarget;
  /** Prepended to every key and channel, e.g. "llmgw:". */
  prefix: string;
  /** Connection name base (CLIENT LIST); the subscriber gets "-sub". Default "llmgw-cache". */
  name?: string;
  /**
   * Called when the subscriber connection is back after a disconnect (channels re-subscribed).
   * Messages published during the outage are lost, so callers should drop whatever those messages guard
   * (e.g. flush the key cache).
   */
  onResubscribe?: () => void;
  onError?: (err: Error) => void;
}

type Handler = (message: string) => void;
interface Channel {
  handlers: Set<{ fn: Handler }>;
  /** Settles when the SUBSCRIBE for this channel was confirmed (or failed). */
  ready: Promise<void>;
}

export class RedisSharedCache implements SharedCache {
  readonly kind = 'redis' as const;
  private readonly redis: RedisClient;
  private sub: RedisClient | null = null;
  /** Full channel name -> its handlers (wrapper objects, so one function subscribed twice is two entries). */
  private readonly channels = new Map<string, Channel>();
  private closed = false;
  /** Bumped each time the subscriber connection closes or moves to another cluster node (deliveryEpoch). */
  private subscriberEpoch = 0;

  constructor(private readonly opts: RedisSharedCacheOptions) {
    this.redis = createRedisClient(opts.url, { name: opts.name ?? 'llmgw-cache', onError: opts.onError });
  }

  private k(key: string): string {
    return this.opts.prefix + key;
  }

  async get(key: string): Promise<string | null> {
    return this.redis.get(this.k(key));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    const ms = Math.round(ttlSeconds * 1000);
    if (!Number.isFinite(ms) || ms < 1) throw new RangeError(`ttlSeconds must be > 0, got ${ttlSeconds}`);
    await this.redis.set(this.k(key), value, 'PX', ms);
  }

  async del(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(this.k(channel), message);
  }

  async subscribe(channel: string, onMessage: Handler): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('RedisSharedCache is closed');
    const full = this.k(channel);
    const sub = this.subscriber();
    const entry = { fn: onMessage };
    let chan = this.channels.get(full);
    if (!chan) {
      const created: Channel = { handlers: new Set(), ready: Promise.resolve() };
      // Concurrent subscribers of a new channel all wait for the one SUBSCRIBE round trip.
      created.ready = waitForReady(sub, DEFAULT_CONNECT_TIMEOUT_MS).then(async () => {
        await sub.subscribe(full);
      });
      chan = created;
      this.channels.set(full, chan);
    }
    chan.handlers.add(entry);
    try {
      await chan.ready;
    } catch (err) {
      chan.handlers.delete(entry);
      if (this.channels.get(full) === chan) this.channels.delete(full);
      throw err;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      const current = this.channels.get(full);
      if (current !== chan) return;
      current.handlers.delete(entry);
      if (current.handlers.size === 0) {
        this.channels.delete(full);
        // Best effort: if Redis is down the channel is dropped locally; ioredis may re-subscribe it on reconnect,
        // but with no handler left its messages are ignored.
        if (!this.closed && sub.status === 'ready') await sub.unsubscribe(full).catch(() => {});
      }
    };
  }

  private subscriber(): RedisClient {
    if (this.sub) return this.sub;
    // A cluster client keeps a subscriber connection of its own beside its command connections: use it.
    const sub =
      typeof this.opts.url === 'string'
        ? createRedisClient(this.opts.url, {
            name: `${this.opts.name ?? 'llmgw-cache'}-sub`,
            onError: this.opts.onError,
          })
        : this.redis;
    let wasReady = sub.status === 'ready'; // the cluster client may be connected already
    sub.on('ready', () => {
      if (wasReady) this.opts.onResubscribe?.();
      wasReady = true;
    });
    // A node that leaves a cluster may have carried the subscriber connection: ioredis moves it to another node,
    // and what was published in between is lost, so the caller drops what the messages guard (as after a reconnect).
    if (sub === this.redis)
      sub.on('-node', () => {
        this.subscriberEpoch += 1;
        this.opts.onResubscribe?.();
      });
    sub.on('close', () => {
      this.subscriberEpoch += 1;
    });
    sub.on('message', (channel: string, message: string) => {
      const chan = this.channels.get(channel);
      if (!chan) return;
      for (const { fn } of [...chan.handlers]) {
        try {
          fn(message);
        } catch {
          // A failing handler must not break delivery to the others or the connection's event loop.
        }
      }
    });
    this.sub = sub;
    return sub;
  }

  deliveryEpoch(): number | null {
    if (this.closed || !this.sub || this.sub.status !== 'ready' || this.channels.size === 0) return null;
    return this.subscriberEpoch;
  }

  /** Waits (briefly) for the initial connection, then round-trips a PING. */
  async ping(): Promise<void> {
    await waitForReady(this.redis, DEFAULT_CONNECT_TIMEOUT_MS);
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.channels.clear();
    await Promise.all([
      closeRedis(this.redis),
      this.sub && this.sub !== this.redis ? closeRedis(this.sub) : Promise.resolve(),
    ]);
  }
}
