// The persistence contract of the gateway: API keys and usage rows.
// Two implementations: PostgreSQL (compose stack, shared by replicas) and SQLite (embedded mode).
// Nothing here is called on the request hot path except through the key cache and the batched usage recorder.

export interface KeyRecord {
  id: string;
  name: string;
  /** SHA-256 of the full key, lowercase hex. The plaintext is never stored. */
  hash: string;
  /** Display prefix, e.g. "llmgw_1a2b3c4d". */
  prefix: string;
  /** Allowed model ids; null = every model. */
  models: string[] | null;
  /** Requests per rolling 60 s; null = the gateway's default. */
  rpm: number | null;
  /** Tokens per rolling 60 s; null = the gateway's default. */
  tpm: number | null;
  /** Requests in flight at once; null = the gateway's default (DEFAULT_MAX_CONCURRENT). */
  maxConcurrent: number | null;
  /** Client addresses (IPv4/IPv6 addresses or CIDRs) the key may be used from; null = anywhere. */
  allowedIps: string[] | null;
  /** Deterministic requests of this key use the response cache unless they send `x-llmgw-cache: false`. */
  cache: boolean;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** Set on the old key when it was rotated: id of its successor. */
  replacedBy: string | null;
}

export interface NewKey {
  id: string;
  name: string;
  hash: string;
  prefix: string;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  maxConcurrent: number | null;
  allowedIps: string[] | null;
  /** Response cache opt-in; absent = false. */
  cache?: boolean;
  expiresAt: Date | null;
}

/** What an update may change on a live key (fields left out stay as they are). */
export interface KeyPatch {
  allowedIps?: string[] | null;
  cache?: boolean;
}

export type UsageStatus = 'ok' | 'error' | 'aborted';

export interface UsageRow {
  requestId: string;
  keyId: string;
  model: string;
  endpoint: string;
  promptTokens: number;
  completionTokens: number;
  /** HTTP status the client saw (200 for streams that started). */
  status: number;
  outcome: UsageStatus;
  latencyMs: number;
  replica: string;
  createdAt: Date;
  /**
   * Set only when the answer came from the response cache: the tokens it reported when it was generated (prompt +
   * completion). promptTokens/completionTokens are then 0: no upstream work was done.
   */
  cachedTokens?: number;
}

export interface UsageQuery {
  from: Date;
  to: Date;
  keyId?: string;
  model?: string;
}

export interface UsageSummaryRow {
  keyId: string;
  model: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  /** Requests answered from the response cache, and the tokens those answers stood for. */
  cachedRequests: number;
  cachedTokens: number;
  avgLatencyMs: number;
  /** Nearest-rank percentiles of latency_ms within the group. */
  p50LatencyMs: number;
  p95LatencyMs: number;
}

export interface LatencyPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface Store {
  readonly kind: 'postgres' | 'sqlite';
  /** Apply pending migrations (idempotent, safe when several replicas start at once). */
  migrate(): Promise<void>;
  /** Current schema version (for readiness reporting). */
  schemaVersion(): Promise<number>;
  createKey(key: NewKey): Promise<KeyRecord>;
  findKeyByHash(hash: string): Promise<KeyRecord | null>;
  getKey(id: string): Promise<KeyRecord | null>;
  listKeys(): Promise<KeyRecord[]>;
  countKeys(): Promise<number>;
  /** Applies `patch` to a key that is not revoked. Returns the updated record, null if unknown or revoked. */
  updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | null>;
  /** Marks the key revoked at `at` (keeps the row). Returns the updated record, null if unknown. */
  revokeKey(id: string, at: Date): Promise<KeyRecord | null>;
  /**
   * Rotation in one transaction: inserts `successor`, sets the old key's expiry to min(existing, graceUntil)
   * and its replacedBy. Returns both records, null if the old key is unknown or revoked.
   */
  rotateKey(oldId: string, successor: NewKey, graceUntil: Date): Promise<{ old: KeyRecord; next: KeyRecord } | null>;
  /** Batched insert of usage rows and last-used times; all or nothing. */
  recordUsage(rows: UsageRow[]): Promise<void>;
  usageSummary(query: UsageQuery): Promise<UsageSummaryRow[]>;
  /** Nearest-rank latency percentiles over every row the query matches (null when none). */
  latencyPercentiles(query: UsageQuery): Promise<LatencyPercentiles>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
