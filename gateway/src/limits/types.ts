// The rate-limit contract: exact per-key limits over a rolling 60 s window.
// Two implementations: Redis (Lua, atomic, shared by all replicas) and in-memory (embedded mode).
// Invariant: never more than `rpm` admitted requests in any rolling 60 s window per key, summed over replicas.
// Tokens: admission reserves an estimate; settle() replaces it with the real count (refund or charge).

export const WINDOW_MS = 60_000;

export interface AdmitRequest {
  keyId: string;
  /** Unique per request (the request id); identifies the reservation for settle(). */
  requestId: string;
  rpm: number;
  tpm: number;
  /** Tokens reserved at admission (prompt estimate + max_tokens or a default). */
  estimatedTokens: number;
  /**
   * Requests of this key in flight at once, summed over replicas. An admitted request holds a slot until its
   * settle() (every end path settles); in Redis the slot is a lease the admitting replica renews, so a crashed
   * replica's slots come back once their lease runs out.
   */
  maxConcurrent: number;
  /** Milliseconds since the epoch; injected so tests can control time. Defaults to Date.now(). */
  now?: number;
}

export interface LimitState {
  limit: number;
  remaining: number;
  /** Milliseconds until the oldest admission in the window leaves it (0 when the window is empty). */
  resetMs: number;
}

export interface AdmitResult {
  allowed: boolean;
  /** Which limit refused the request, when !allowed. */
  reason?: 'requests' | 'tokens' | 'concurrency';
  /** Milliseconds until a retry can succeed, when !allowed (a guess for concurrency: a request must end first). */
  retryAfterMs: number;
  requests: LimitState;
  tokens: LimitState;
  /** Requests of this key in flight (including this one when admitted). */
  inFlight: number;
}

export interface SettleRequest {
  keyId: string;
  requestId: string;
  /** Real tokens used (prompt + completion); replaces the admission estimate. Also frees the in-flight slot. */
  actualTokens: number;
  now?: number;
}

export interface Limiter {
  readonly kind: 'redis' | 'memory';
  admit(req: AdmitRequest): Promise<AdmitResult>;
  settle(req: SettleRequest): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
