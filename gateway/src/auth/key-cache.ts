// Validated keys cached in-process so the hot path does no database query.
// Revoke/rotate broadcast the key's hash on the shared channel; every replica drops it at once.
// When the store is unreachable, a cached (even stale) record keeps its key working.
import type { KeyRecord, Store } from '../store/types.js';
import type { SharedCache } from '../shared/types.js';
import type { Logger } from 'pino';

export const KEY_INVALIDATION_CHANNEL = 'keys:invalidate';
const NEGATIVE_TTL_MS = 5_000;
const MAX_ENTRIES = 50_000;

interface Entry {
  record: KeyRecord | null;
  fetchedAt: number;
}

export type KeyLookupResult = 'hit' | 'miss' | 'stale';

export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<KeyRecord | null>>();
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: Store,
    private readonly shared: SharedCache,
    private readonly ttlMs: number,
    private readonly log: Logger,
    private readonly onLookup: (result: KeyLookupResult) => void = () => {},
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.shared.subscribe(KEY_INVALIDATION_CHANNEL, (hash) => this.entries.delete(hash));
  }

  /** The key's record by hash, null when no such key exists. Throws only when unknown and the store is down. */
  async resolve(hash: string, now = Date.now()): Promise<KeyRecord | null> {
    const entry = this.entries.get(hash);
    if (entry) {
      const ttl = entry.record ? this.ttlMs : NEGATIVE_TTL_MS;
      if (now - entry.fetchedAt < ttl) {
        this.onLookup('hit');
        return entry.record;
      }
    }
    try {
      const record = await this.load(hash);
      this.onLookup('miss');
      return record;
    } catch (err) {
      if (entry?.record) {
        this.onLookup('stale');
        this.log.warn({ err }, 'key store unreachable; serving a cached key record');
        return entry.record;
      }
      throw err;
    }
  }

  /** Drop the key here and on every other replica. */
  async invalidate(hash: string): Promise<void> {
    this.entries.delete(hash);
    await this.shared.publish(KEY_INVALIDATION_CHANNEL, hash);
  }

  /** Forget everything (after a broadcast outage, invalidations may have been missed). */
  clear(): void {
    this.entries.clear();
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  private load(hash: string): Promise<KeyRecord | null> {
    const pending = this.inflight.get(hash);
    if (pending) return pending;
    const promise = this.store
      .findKeyByHash(hash)
      .then((record) => {
        if (this.entries.size >= MAX_ENTRIES) this.evictOldest();
        this.entries.set(hash, { record, fetchedAt: Date.now() });
        return record;
      })
      .finally(() => this.inflight.delete(hash));
    this.inflight.set(hash, promise);
    return promise;
  }

  private evictOldest(): void {
    // Maps iterate in insertion order: the first tenth are the oldest fetches.
    let toDrop = Math.ceil(MAX_ENTRIES / 10);
    for (const hash of this.entries.keys()) {
      this.entries.delete(hash);
      if (--toDrop === 0) break;
    }
  }
}
