// Response cache: where entries live. In the stack, the shared cache (Redis: every replica serves what any one
// stored; one GET per lookup, a SET with the TTL per store). Embedded, an in-process LRU bounded by the total bytes
// of its entries (RESPONSE_CACHE_MEMORY_BYTES), so a long-running app cannot grow without bound.
import type { SharedCache } from '../shared/types.js';

export interface ResponseStore {
  get(id: string): Promise<string | null>;
  set(id: string, value: string, ttlSeconds: number): Promise<void>;
}

/** Entry ids under one namespace of the shared cache (which adds REDIS_PREFIX). */
export class SharedResponseStore implements ResponseStore {
  constructor(private readonly shared: SharedCache) {}

  get(id: string): Promise<string | null> {
    return this.shared.get(`rcache:${id}`);
  }

  set(id: string, value: string, ttlSeconds: number): Promise<void> {
    return this.shared.set(`rcache:${id}`, value, ttlSeconds);
  }
}

interface MemoryEntry {
  value: string;
  bytes: number;
  expiresAt: number;
}

/** Least recently used first out, by bytes (UTF-8 length of the stored text); expired entries are misses. */
export class MemoryResponseStore implements ResponseStore {
  private readonly entries = new Map<string, MemoryEntry>();
  private total = 0;

  constructor(readonly maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError('maxBytes must be an integer >= 1');
  }

  /** Bytes held now (tests, metrics). */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  async get(id: string): Promise<string | null> {
    const entry = this.entries.get(id);
    if (!entry) return null;
    this.drop(id, entry);
    if (entry.expiresAt <= Date.now()) return null;
    // Re-inserted at the end: the Map's order is the recency order.
    this.entries.set(id, entry);
    this.total += entry.bytes;
    return entry.value;
  }

  async set(id: string, value: string, ttlSeconds: number): Promise<void> {
    const bytes = Buffer.byteLength(value);
    const existing = this.entries.get(id);
    if (existing) this.drop(id, existing);
    if (bytes > this.maxBytes) return;
    while (this.total + bytes > this.maxBytes) {
      const oldest = this.entries.entries().next().value;
      if (!oldest) break;
      this.drop(oldest[0], oldest[1]);
    }
    this.entries.set(id, { value, bytes, expiresAt: Date.now() + ttlSeconds * 1000 });
    this.total += bytes;
  }

  private drop(id: string, entry: MemoryEntry): void {
    this.entries.delete(id);
    this.total -= entry.bytes;
  }
}
