// Caches and signals shared by all replicas: a TTL key/value cache (model catalog) and a broadcast channel
// (key invalidation). Redis in the stack; in-process in embedded mode.

export interface SharedCache {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Broadcast `message` on `channel` to every subscriber, in this process and in other replicas. */
  publish(channel: string, message: string): Promise<void>;
  /** Subscribe to `channel`; returns an unsubscribe function. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /**
   * Whether broadcasts are reaching this process: null while they may be being missed (the subscriber connection
   * is down), else a number that changes whenever it was down since (what was published meanwhile is lost).
   * Equal answers at two moments mean every message published between them was delivered.
   */
  deliveryEpoch(): number | null;
  ping(): Promise<void>;
  close(): Promise<void>;
}
