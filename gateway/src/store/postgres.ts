// The Store on PostgreSQL: the compose stack's shared state, used by every replica at once.
// Replicas race at start-up, so migrate() serialises on an advisory lock; everything else is plain SQL.
import pg from 'pg';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
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

/** Fixed key for pg_advisory_lock ("llmgw" in ASCII): the same in every replica and version. */
const MIGRATION_LOCK_KEY = '465675577207';

/** Same rule as DATABASE_SCHEMA in config: plain identifiers need no quoting in the connection options. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresStoreOptions {
  connectionString: string;
  schema?: string;
  poolSize?: number;
}

// Aliased to KeyRecord's field names: pg already parses jsonb, timestamptz (Date) and int4 (number).
const KEY_COLUMNS = `id, name, hash, prefix, models, rpm, tpm, max_concurrent AS "maxConcurrent", allowed_ips AS "allowedIps", cache, created_at AS "createdAt", expires_at AS "expiresAt",
  revoked_at AS "revokedAt", last_used_at AS "lastUsedAt", replaced_by AS "replacedBy"`;

const INSERT_KEY = `INSERT INTO api_keys (id, name, hash, prefix, models, rpm, tpm, expires_at, max_concurrent, allowed_ips, cache)
  VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10::jsonb, $11) RETURNING ${KEY_COLUMNS}`;

const jsonText = (v: string[] | null): string | null => (v === null ? null : JSON.stringify(v));

function keyParams(k: NewKey): unknown[] {
  // jsonb needs JSON text: pg would turn a JS array into a Postgres array literal.
  return [
    k.id,
    k.name,
    k.hash,
    k.prefix,
    jsonText(k.models),
    k.rpm,
    k.tpm,
    k.expiresAt,
    k.maxConcurrent,
    jsonText(k.allowedIps),
    k.cache === true,
  ];
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly schema: string | undefined;
  private closed = false;

  constructor(opts: PostgresStoreOptions) {
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
      throw new Error(`invalid schema name ${JSON.stringify(opts.schema)}: use a plain lowercase identifier`);
    }
    this.schema = opts.schema;
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.poolSize ?? 10,
      // Set at connection start, so every pooled client (and every statement) sees the schema.
      ...(opts.schema !== undefined ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // An idle client that loses its connection is dropped by the pool; without a listener
    // the 'error' event would crash the process. The next query reconnects or fails loudly.
    this.pool.on('error', () => {});
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
      try {
        if (this.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
        await client.query(MIGRATIONS_TABLE.postgres);
        const done = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
        const applied = new Set(done.rows.map((r) => r.version));
        for (const m of MIGRATIONS) {
          if (applied.has(m.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(m.postgres);
            await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch(() => {});
            throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch((err: Error) => {
          broken = err;
        });
      }
    } finally {
      // A client whose unlock failed is destroyed, which ends its session and so its lock.
      client.release(broken);
    }
  }

  async schemaVersion(): Promise<number> {
    const exists = await this.pool.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
    if (exists.rows[0]?.t == null) return 0;
    const r = await this.pool.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return r.rows[0]?.v ?? 0;
  }

  async createKey(key: NewKey): Promise<KeyRecord> {
    const r = await this.pool.query<KeyRecord>(INSERT_KEY, keyParams(key));
    return r.rows[0]!;
  }

  async findKeyByHash(hash: string): Promise<KeyRecord | null> {
    const r = await this.pool.query<KeyRecord>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE hash = $1`, [hash]);
    return r.rows[0] ?? null;
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    const r = await this.pool.query<KeyRecord>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return r.rows[0] ?? null;
  }

  async listKeys(): Promise<KeyRecord[]> {
    const r = await this.pool.query<KeyRecord>(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`);
    return r.rows;
  }

  async countKeys(): Promise<number> {
    const r = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM api_keys');
    return Number(r.rows[0]?.n ?? 0);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | null> {
    // A field left out keeps its value (allowed_ips may be set to NULL, hence its flag; cache coalesces).
    const r = await this.pool.query<KeyRecord>(
      `UPDATE api_keys
          SET allowed_ips = CASE WHEN $2::boolean THEN $3::jsonb ELSE allowed_ips END,
              cache = coalesce($4::boolean, cache)
        WHERE id = $1 AND revoked_at IS NULL RETURNING ${KEY_COLUMNS}`,
      [
        id,
        patch.allowedIps !== undefined,
        patch.allowedIps === undefined ? null : jsonText(patch.allowedIps),
        patch.cache ?? null,
      ],
    );
    return r.rows[0] ?? null;
  }

  async revokeKey(id: string, at: Date): Promise<KeyRecord | null> {
    // A second revocation keeps the first time: that is when access actually ended.
    const r = await this.pool.query<KeyRecord>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
      [id, at],
    );
    return r.rows[0] ?? null;
  }

  async rotateKey(
    oldId: string,
    successor: NewKey,
    graceUntil: Date,
  ): Promise<{ old: KeyRecord; next: KeyRecord } | null> {
    return this.transaction(async (c) => {
      // FOR UPDATE: a concurrent revoke or rotation of the same key waits for this one.
      const cur = await c.query<KeyRecord>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [oldId]);
      const row = cur.rows[0];
      if (!row || row.revokedAt !== null) return null;
      const next = await c.query<KeyRecord>(INSERT_KEY, keyParams(successor));
      const old = await c.query<KeyRecord>(
        `UPDATE api_keys
            SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > $2 THEN $2 ELSE expires_at END,
                replaced_by = $3
          WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
        [oldId, graceUntil, successor.id],
      );
      return { old: old.rows[0]!, next: next.rows[0]! };
    });
  }

  async recordUsage(rows: UsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    const col = <T>(f: (r: UsageRow) => T): T[] => rows.map(f);
    await this.transaction(async (c) => {
      // One statement for the whole batch whatever its size: unnest zips the column arrays into rows.
      await c.query(
        `INSERT INTO usage (request_id, key_id, model, endpoint, prompt_tokens, completion_tokens,
                            status, outcome, latency_ms, replica, created_at, cached, cached_tokens)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[],
                              $7::int[], $8::text[], $9::float8[], $10::text[], $11::timestamptz[],
                              $12::boolean[], $13::int[])
         ON CONFLICT (request_id) DO NOTHING`,
        [
          col((r) => r.requestId),
          col((r) => r.keyId),
          col((r) => r.model),
          col((r) => r.endpoint),
          col((r) => r.promptTokens),
          col((r) => r.completionTokens),
          col((r) => r.status),
          col((r) => r.outcome),
          col((r) => r.latencyMs),
          col((r) => r.replica),
          col((r) => r.createdAt),
          col((r) => r.cachedTokens !== undefined),
          col((r) => r.cachedTokens ?? 0),
        ],
      );
      // GREATEST ignores NULL, and an older batch flushed late never moves last_used_at back.
      await c.query(
        `UPDATE api_keys k SET last_used_at = GREATEST(k.last_used_at, u.t)
           FROM (SELECT key_id, max(t) AS t FROM unnest($1::text[], $2::timestamptz[]) AS x(key_id, t)
                  GROUP BY key_id) u
          WHERE k.id = u.key_id`,
        [col((r) => r.keyId), col((r) => r.createdAt)],
      );
    });
  }

  async usageSummary(q: UsageQuery): Promise<UsageSummaryRow[]> {
    const r = await this.pool.query<Record<string, string>>(
      `SELECT key_id, model, count(*) AS requests,
              count(*) FILTER (WHERE outcome = 'error') AS errors,
              sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
              count(*) FILTER (WHERE cached) AS cached_requests, sum(cached_tokens) AS cached_tokens,
              avg(latency_ms) AS avg_latency_ms,
              percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
              percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
         FROM usage
        WHERE created_at >= $1 AND created_at < $2
          AND ($3::text IS NULL OR key_id = $3) AND ($4::text IS NULL OR model = $4)
        GROUP BY key_id, model
        ORDER BY key_id COLLATE "C", model COLLATE "C"`,
      [q.from, q.to, q.keyId ?? null, q.model ?? null],
    );
    // count/sum come back as bigint/numeric strings: the numbers involved stay far below 2^53.
    return r.rows.map((x) => ({
      keyId: x.key_id!,
      model: x.model!,
      requests: Number(x.requests),
      errors: Number(x.errors),
      promptTokens: Number(x.prompt_tokens),
      completionTokens: Number(x.completion_tokens),
      cachedRequests: Number(x.cached_requests),
      cachedTokens: Number(x.cached_tokens),
      avgLatencyMs: Number(x.avg_latency_ms),
      p50LatencyMs: Number(x.p50),
      p95LatencyMs: Number(x.p95),
    }));
  }

  async latencyPercentiles(q: UsageQuery): Promise<LatencyPercentiles> {
    const r = await this.pool.query<{ p50: number | null; p95: number | null; p99: number | null }>(
      `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
              percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
              percentile_disc(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99
         FROM usage
        WHERE created_at >= $1 AND created_at < $2
          AND ($3::text IS NULL OR key_id = $3) AND ($4::text IS NULL OR model = $4)`,
      [q.from, q.to, q.keyId ?? null, q.model ?? null],
    );
    const row = r.rows[0]!;
    const num = (v: number | null) => (v === null ? null : Number(v));
    return { p50: num(row.p50), p95: num(row.p95), p99: num(row.p99) };
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
