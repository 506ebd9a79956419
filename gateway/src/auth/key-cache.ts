// Validated keys cached in-process so the hot path does no database query.
// - Known hashes: the set of every key's hash (rebuilt from the store at start and every KEY_SET_REFRESH_MS, kept
//   current by the invalidation channel, which create/rotate/revoke publish on). A hash not in it is unknown and
//   costs no query while the set is authoritative: every writer announces (`announcedWrites`, i.e. a shared Redis)
//   and no broadcast can have been missed since the set was read (the channel's delivery epoch is unchanged).
//   Otherwise — embedded mode, where the CLI writes SQLite with no channel, or after a subscriber outage until the
//   next rebuild — a few per second are looked up (UNKNOWN_KEY_LOOKUPS_PER_S) so such a key still works.
// - Positive entries (records) live up to the TTL; negative entries sit in their own bounded LRU with expiry, so a
//   flood of random keys can never push a valid key out.
// - A generation per hash: an invalidation that arrives while a lookup is in flight stops that lookup's answer
//   from being cached (it would bring back a revoked key for a whole TTL).
// - When the store is unreachable a cached record keeps its key working, for at most KEY_STALE_MAX_MS past its TTL.
import type { KeyRecord, Store } from '../store/types.js';
import type { SharedCache } from '../shared/types.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { BoundedLru } from '../shared/bounded-lru.js';
import { TokenBucket } from '../shared/token-bucket.js';

export const KEY_INVALIDATION_CHANNEL = 'keys:invalidate';
/** What the channel carries: one key's SHA-256 hash. Anything else (another writer's bug) is ignored. */
const KEY_HASH_MESSAGE = z.string().regex(/^[0-9a-f]{64}$/);

export interface KeyCacheOptions {
  store: Store;
  shared: SharedCache;
  log: Logger;
  ttlMs: number;
  /** How long past its TTL a record may still be served while the store is down; then 503. */
  staleMaxMs: number;
  /** Negative entries (hashes the store does not know) kept at most this long, and at most this many. */
  negativeTtlMs?: number;
  negativeMax?: number;
  /** Lookups per second of hashes missing from the known set (keys created where the broadcast was missed). */
  unknownLookupsPerS?: number;
  /** The known set is rebuilt from the store this often (covers missed broadcasts). 0 = only at start. */
  refreshMs?: number;
  /**
   * Every process that writes keys to this store announces them on the shared channel (a shared Redis: the admin
   * API and the CLI both publish). Then a hash outside an up-to-date known set is refused without any lookup.
   */
  announcedWrites?: boolean;
  onLookup?: (result: KeyLookupResult) => void;
}

interface Entry {
  record: KeyRecord;
  fetchedAt: number;
}

export type KeyLookupResult = 'hit' | 'miss' | 'stale' | 'unknown';

/** Positive entries are bounded by the known keys; this cap only guards against a runaway store. */
const MAX_ENTRIES = 100_000;

export class StaleKeyError extends Error {
  constructor(cause: unknown) {
    super('the key store is unreachable and the cached record is past KEY_STALE_MAX_MS', { cause });
    this.name = 'StaleKeyError';
  }
}

export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly negative: BoundedLru<string, number>;
  private readonly inflight = new Map<string, Promise<KeyRecord | null>>();
  /** Bumped by every invalidation of a hash: a lookup started under an older generation is not cached. */
  private readonly generations = new Map<string, number>();
  private known: Set<string> | null = null;
  /** The channel's delivery epoch when the known set was read (null: broadcasts may have been missed then). */
  private knownEpoch: number | null = null;
  private rebuilding: Promise<void> | null = null;
  /** null: hashes outside the known set are never looked up (UNKNOWN_KEY_LOOKUPS_PER_S=0). */
  private readonly unknownLookups: TokenBucket | null;
  private readonly negativeTtlMs: number;
  private refreshTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly onLookup: (result: KeyLookupResult) => void;

  constructor(private readonly opts: KeyCacheOptions) {
    this.negativeTtlMs = opts.negativeTtlMs ?? 5_000;
    this.negative = new BoundedLru(opts.negativeMax ?? 10_000);
    const rate = opts.unknownLookupsPerS ?? 5;
    this.unknownLookups = rate > 0 ? new TokenBucket(rate, Math.max(1, rate)) : null;
    this.onLookup = opts.onLookup ?? (() => {});
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.opts.shared.subscribe(KEY_INVALIDATION_CHANNEL, (message) => {
      const hash = KEY_HASH_MESSAGE.safeParse(message);
      if (hash.success) this.forget(hash.data);
      else this.opts.log.warn({ length: message.length }, 'ignored a key-channel message that is not a key hash');
    });
    await this.rebuild().catch((err: unknown) =>
      this.opts.log.warn({ err: String(err) }, 'key set not built (store unreachable); unknown keys are looked up'),
    );
    const refreshMs = this.opts.refreshMs ?? 60_000;
    if (refreshMs > 0) {
      this.refreshTimer = setInterval(() => void this.rebuild().catch(() => undefined), refreshMs);
      this.refreshTimer.unref();
    }
  }

  /**
   * Rebuilds the known set from the store (one query; concurrent calls share it). Hashes invalidated meanwhile
   * stay in (they are re-read). The delivery epoch is read before the query: a broadcast missed while it runs
   * changes the epoch, so the set is not trusted as complete.
   */
  rebuild(): Promise<void> {
    this.rebuilding ??= (async () => {
      const epoch = this.opts.shared.deliveryEpoch();
      const keys = await this.opts.store.listKeys();
      const next = new Set(keys.map((key) => key.hash));
      for (const hash of this.known ?? []) if (this.generations.has(hash)) next.add(hash);
      this.known = next;
      this.knownEpoch = epoch;
    })().finally(() => {
      this.rebuilding = null;
    });
    return this.rebuilding;
  }

  /**
   * Whether a hash outside the known set is certainly no key: every writer announces, and every announcement since
   * the set was read has arrived.
   */
  private knownSetAuthoritative(): boolean {
    if (!this.opts.announcedWrites || this.knownEpoch === null) return false;
    return this.opts.shared.deliveryEpoch() === this.knownEpoch;
  }

  /** Hashes the known set holds (null before it was built). */
  get knownCount(): number | null {
    return this.known?.size ?? null;
  }

  /**
   * Whether this hash is a key this replica knows of (cached or in the known set): a memory lookup, no query.
   * The failed-auth throttle lets such keys through, so a client hammering bad keys cannot lock out the valid
   * keys that share its address (behind nginx or docker-proxy every local client has the same one).
   */
  isKnown(hash: string): boolean {
    return this.entries.has(hash) || (this.known?.has(hash) ?? false);
  }

  /** The key's record by hash, null when no such key exists. Throws only when unknown and the store is down. */
  async resolve(hash: string, now = Date.now()): Promise<KeyRecord | null> {
    const entry = this.entries.get(hash);
    if (entry && now - entry.fetchedAt < this.opts.ttlMs) {
      this.onLookup('hit');
      return entry.record;
    }
    if (!entry) {
      const until = this.negative.get(hash);
      if (until !== undefined && now < until) {
        this.onLookup('hit');
        return null;
      }
      // Not a key this replica knows of: no query — unless a key's announcement may have been missed, then a few
      // per second (UNKNOWN_KEY_LOOKUPS_PER_S) so such a key still works.
      if (this.known && !this.known.has(hash) && (this.knownSetAuthoritative() || !this.unknownLookups?.take(now))) {
        this.onLookup('unknown');
        return null;
      }
    }
    try {
      const record = await this.load(hash);
      this.onLookup('miss');
      return record;
    } catch (err) {
      if (entry) {
        if (now - entry.fetchedAt >= this.opts.ttlMs + this.opts.staleMaxMs) throw new StaleKeyError(err);
        this.onLookup('stale');
        this.opts.log.warn({ err: String(err) }, 'key store unreachable; serving a cached key record');
        return entry.record;
      }
      throw err;
    }
  }

  /** Drop the key here and on every other replica (sent on create, rotate and revoke). */
  async invalidate(hash: string): Promise<void> {
    this.forget(hash);
    await this.opts.shared.publish(KEY_INVALIDATION_CHANNEL, hash);
  }

  /** Forget everything cached (after a broadcast outage, invalidations may have been missed). */
  clear(): void {
    this.entries.clear();
    this.negative.clear();
    void this.rebuild().catch(() => undefined);
  }

  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    await this.unsubscribe?.();
  }

  /** An invalidation: the hash may now exist (created), or its record changed (revoked, rotated). */
  private forget(hash: string): void {
    this.entries.delete(hash);
    this.negative.delete(hash);
    this.inflight.delete(hash);
    this.known?.add(hash);
    this.generations.set(hash, (this.generations.get(hash) ?? 0) + 1);
  }

  private load(hash: string): Promise<KeyRecord | null> {
    const pending = this.inflight.get(hash);
    if (pending) return pending;
    const generation = this.generations.get(hash) ?? 0;
    const promise = this.opts.store
      .findKeyByHash(hash)
      .then((record) => {
        // An invalidation arrived while the query ran: its answer may predate the change, so it is not kept.
        if ((this.generations.get(hash) ?? 0) !== generation) return record;
        if (record) {
          if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
          this.entries.set(hash, { record, fetchedAt: Date.now() });
          this.known?.add(hash);
        } else {
          this.negative.set(hash, Date.now() + this.negativeTtlMs);
        }
        return record;
      })
      .finally(() => {
        if (this.inflight.get(hash) === promise) this.inflight.delete(hash);
      });
    this.inflight.set(hash, promise);
    return promise;
  }
}
