// SharedCache in-process (embedded mode, one gateway): a TTL map plus EventEmitter pub/sub.
// Same observable behaviour as RedisSharedCache for a single process; nothing crosses process boundaries.
import { EventEmitter } from 'node:events';
import type { SharedCache } from './types.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/** How often (at most) expired entries that were never read again are swept out. */
const SWEEP_INTERVAL_MS = 30_000;

export class MemorySharedCache implements SharedCache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly bus = new EventEmitter();
  private lastSweep = Date.now();
  private closed = false;

  constructor() {
    this.bus.setMaxListeners(0);
  }

  private check(): void {
    if (this.closed) throw new Error('MemorySharedCache is closed');
  }

  /** Drops expired entries (amortised: a full pass at most every SWEEP_INTERVAL_MS) so memory stays bounded. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }

  /** In-process delivery never misses a message. */
  deliveryEpoch(): number {
    return 0;
  }

  async get(key: string): Promise<string | null> {
    this.check();
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.check();
    const ms = Math.round(ttlSeconds * 1000);
    if (!Number.isFinite(ms) || ms < 1) throw new RangeError(`ttlSeconds must be > 0, got ${ttlSeconds}`);
    const now = Date.now();
    this.sweep(now);
    this.entries.set(key, { value, expiresAt: now + ms });
  }

  async del(key: string): Promise<void> {
    this.check();
    this.entries.delete(key);
  }

  /** Delivers synchronously to a snapshot of the current subscribers; a throwing handler does not stop the rest. */
  async publish(channel: string, message: string): Promise<void> {
    this.check();
    for (const listener of this.bus.listeners(channel)) {
      try {
        (listener as (m: string) => void)(message);
      } catch {
        // Same as RedisSharedCache: one failing handler must not break delivery to the others.
      }
    }
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    this.check();
    // A fresh wrapper per subscription, so subscribing one function twice gives two independent subscriptions.
    const listener = (message: string) => onMessage(message);
    this.bus.on(channel, listener);
    return async () => {
      this.bus.off(channel, listener);
    };
  }

  async ping(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
    this.bus.removeAllListeners();
  }
}
