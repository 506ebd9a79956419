// The Store on SQLite: embedded mode, one process, one file (or :memory: in tests).
// better-sqlite3 is synchronous; methods are async only to share the Store interface, so a thrown
// error becomes a rejected promise like in Postgres. Loaded lazily by index.ts (native module).
// Usage batches (the only steady write) go to a worker thread with its own connection (sqlite-writer.ts), so the
// event loop never blocks on them; key reads and admin writes stay on this connection (WAL lets both proceed).
import Database from 'better-sqlite3';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
import { KEY_TOUCH_SQL, SqliteUsageWriter, toWire, USAGE_INSERT_SQL } from './sqlite-writer.js';
import type {
  KeyPatch,
  KeyRecord,
  NewKey,
  Store,
  UsageQuery,
  UsageRow,
  UsageSummaryRow,
  LatencyPercentiles,
} from './types.js';

export interface SqliteStoreOptions {
  path: string;
}

interface KeyRow {
  id: string;
  name: string;
  hash: string;
  prefix: string;
  models: string | null;
  rpm: number | null;
  tpm: number | null;
  max_concurrent: number | null;
  allowed_ips: string | null;
  cache: number;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  replaced_by: string | null;
}

interface SummaryRow {
  key_id: string;
  model: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_requests: number;
  cached_tokens: number;
  avg_latency_ms: number;
  p50: number;
  p95: number;
}

// Dates are epoch milliseconds: they sort and compare as numbers and round-trip a JS Date exactly.
const ms = (d: Date | null | undefined): number | null => (d == null ? null : d.getTime());
const json = (v: string[] | null): string | null => (v === null ? null : JSON.stringify(v));
const date = (n: number | null): Date | null => (n === null ? null : new Date(n));

function toKey(r: KeyRow): KeyRecord {
  return {
    id: r.id,
    name: r.name,
    hash: r.hash,
    prefix: r.prefix,
    models: r.models === null ? null : (JSON.parse(r.models) as string[]),
    rpm: r.rpm,
    tpm: r.tpm,
    maxConcurrent: r.max_concurrent,
    allowedIps: r.allowed_ips === null ? null : (JSON.parse(r.allowed_ips) as string[]),
    cache: r.cache === 1,
    createdAt: new Date(r.created_at),
    expiresAt: date(r.expires_at),
    revokedAt: date(r.revoked_at),
    lastUsedAt: date(r.last_used_at),
    replacedBy: r.replaced_by,
  };
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  /** Null for an in-memory database: it exists only inside this connection, so another thread cannot write it. */
  private readonly writer: SqliteUsageWriter | null;

  constructor(opts: SqliteStoreOptions) {
    this.db = new Database(opts.path);
    this.writer = this.db.memory ? null : new SqliteUsageWriter(opts.path);
    // WAL lets readers (an admin query) run while the usage recorder writes.
    this.db.pragma('journal_mode = WAL');
    // Another process on the same file (a CLI next to the app) waits instead of failing with SQLITE_BUSY.
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
  }

  async migrate(): Promise<void> {
    // IMMEDIATE takes the write lock before reading the applied versions, so two processes
    // migrating the same file cannot both decide to apply the same migration.
    this.db
      .transaction(() => {
        this.db.exec(MIGRATIONS_TABLE.sqlite);
        const applied = new Set(
          this.db
            .prepare('SELECT version FROM schema_migrations')
            .all()
            .map((r) => (r as { version: number }).version),
        );
        const record = this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
        for (const m of MIGRATIONS) {
          if (applied.has(m.version)) continue;
          this.db.exec(m.sqlite);
          record.run(m.version, m.name, Date.now());
        }
      })
      .immediate();
  }

  async schemaVersion(): Promise<number> {
    const table = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    if (table === undefined) return 0;
    const r = this.db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    return r.v ?? 0;
  }

  async createKey(key: NewKey): Promise<KeyRecord> {
    return this.insertKey(key);
  }

  async findKeyByHash(hash: string): Promise<KeyRecord | null> {
    return this.one('SELECT * FROM api_keys WHERE hash = ?', hash);
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    return this.one('SELECT * FROM api_keys WHERE id = ?', id);
  }

  async listKeys(): Promise<KeyRecord[]> {
    const rows = this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all() as KeyRow[];
    return rows.map(toKey);
  }

  async countKeys(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n;
  }

  async updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | null> {
    // A field left out keeps its value: coalesce with a NULL parameter (allowed_ips may be set to NULL, hence the flag).
    return this.one(
      `UPDATE api_keys
          SET allowed_ips = CASE WHEN @setIps = 1 THEN @ips ELSE allowed_ips END,
              cache = coalesce(@cache, cache)
        WHERE id = @id AND revoked_at IS NULL RETURNING *`,
      {
        setIps: patch.allowedIps === undefined ? 0 : 1,
        ips: patch.allowedIps === undefined ? null : json(patch.allowedIps),
        cache: patch.cache === undefined ? null : patch.cache ? 1 : 0,
        id,
      },
    );
  }

  async revokeKey(id: string, at: Date): Promise<KeyRecord | null> {
    // A second revocation keeps the first time: that is when access actually ended.
    return this.one('UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING *', ms(at), id);
  }

  async rotateKey(
    oldId: string,
    successor: NewKey,
    graceUntil: Date,
  ): Promise<{ old: KeyRecord; next: KeyRecord } | null> {
    // IMMEDIATE: a deferred transaction that reads then writes can hit SQLITE_BUSY without waiting.
    return this.db
      .transaction(() => {
        const cur = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(oldId) as KeyRow | undefined;
        if (!cur || cur.revoked_at !== null) return null;
        const next = this.insertKey(successor);
        const old = this.one(
          `UPDATE api_keys
              SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > @grace THEN @grace ELSE expires_at END,
                  replaced_by = @next
            WHERE id = @id RETURNING *`,
          { grace: ms(graceUntil), next: successor.id, id: oldId },
        );
        return { old: old!, next };
      })
      .immediate();
  }

  async recordUsage(rows: UsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.writer) {
      await this.writer.write(rows);
      return;
    }
    this.recordUsageHere(rows);
  }

  /** The in-memory database's path (tests): the same statements as the writer thread's, on this connection. */
  private recordUsageHere(rows: UsageRow[]): void {
    const insert = this.db.prepare(USAGE_INSERT_SQL);
    const touch = this.db.prepare(KEY_TOUCH_SQL);
    this.db
      .transaction(() => {
        const newest = new Map<string, number>();
        for (const r of rows) {
          const wire = toWire(r);
          insert.run(wire);
          const at = wire[10];
          if (at !== null) newest.set(r.keyId, Math.max(newest.get(r.keyId) ?? at, at));
        }
        for (const [keyId, at] of newest) touch.run(at, keyId);
      })
      .immediate();
  }

  async usageSummary(q: UsageQuery): Promise<UsageSummaryRow[]> {
    const rows = this.db
      .prepare(
        // SQLite has no percentile aggregate: nearest rank from window functions (the definition of percentile_disc).
        `WITH f AS (
           SELECT key_id, model, outcome, prompt_tokens, completion_tokens, cached, cached_tokens, latency_ms,
                  ROW_NUMBER() OVER (PARTITION BY key_id, model ORDER BY latency_ms) AS rn,
                  COUNT(*) OVER (PARTITION BY key_id, model) AS cnt
             FROM usage
            WHERE created_at >= @from AND created_at < @to
              AND (@keyId IS NULL OR key_id = @keyId) AND (@model IS NULL OR model = @model))
         SELECT key_id, model, count(*) AS requests,
                sum(outcome = 'error') AS errors,
                sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
                sum(cached) AS cached_requests, sum(cached_tokens) AS cached_tokens,
                avg(latency_ms) AS avg_latency_ms,
                min(CASE WHEN rn >= 0.5 * cnt THEN latency_ms END) AS p50,
                min(CASE WHEN rn >= 0.95 * cnt THEN latency_ms END) AS p95
           FROM f
          GROUP BY key_id, model
          ORDER BY key_id, model`,
      )
      .all({ from: ms(q.from), to: ms(q.to), keyId: q.keyId ?? null, model: q.model ?? null }) as SummaryRow[];
    return rows.map((x) => ({
      keyId: x.key_id,
      model: x.model,
      requests: x.requests,
      errors: x.errors,
      promptTokens: x.prompt_tokens,
      completionTokens: x.completion_tokens,
      cachedRequests: x.cached_requests,
      cachedTokens: x.cached_tokens,
      avgLatencyMs: x.avg_latency_ms,
      p50LatencyMs: x.p50,
      p95LatencyMs: x.p95,
    }));
  }

  async latencyPercentiles(q: UsageQuery): Promise<LatencyPercentiles> {
    const row = this.db
      .prepare(
        `WITH f AS (
           SELECT latency_ms, ROW_NUMBER() OVER (ORDER BY latency_ms) AS rn, COUNT(*) OVER () AS cnt
             FROM usage
            WHERE created_at >= @from AND created_at < @to
              AND (@keyId IS NULL OR key_id = @keyId) AND (@model IS NULL OR model = @model))
         SELECT min(CASE WHEN rn >= 0.5 * cnt THEN latency_ms END) AS p50,
                min(CASE WHEN rn >= 0.95 * cnt THEN latency_ms END) AS p95,
                min(CASE WHEN rn >= 0.99 * cnt THEN latency_ms END) AS p99
           FROM f`,
      )
      .get({ from: ms(q.from), to: ms(q.to), keyId: q.keyId ?? null, model: q.model ?? null }) as LatencyPercentiles;
    return { p50: row.p50 ?? null, p95: row.p95 ?? null, p99: row.p99 ?? null };
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.writer?.close();
    if (this.db.open) this.db.close();
  }

  private insertKey(k: NewKey): KeyRecord {
    return this.one(
      `INSERT INTO api_keys (id, name, hash, prefix, models, rpm, tpm, created_at, expires_at, max_concurrent, allowed_ips, cache)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      k.id,
      k.name,
      k.hash,
      k.prefix,
      k.models === null ? null : JSON.stringify(k.models),
      k.rpm,
      k.tpm,
      Date.now(),
      ms(k.expiresAt),
      k.maxConcurrent,
      json(k.allowedIps),
      k.cache === true ? 1 : 0,
    )!;
  }

  private one(sql: string, ...params: unknown[]): KeyRecord | null {
    const row = this.db.prepare(sql).get(...params) as KeyRow | undefined;
    return row ? toKey(row) : null;
  }
}
