// Versioned schema migrations as data, one SQL text per dialect, shared by both stores.
// Append only: a released migration is never edited, a change is a new version.
// Dates: timestamptz in Postgres, epoch milliseconds (INTEGER) in SQLite so range queries compare numbers.

export interface Migration {
  version: number;
  name: string;
  postgres: string;
  sqlite: string;
}

/** Created by the runners before reading the applied versions, so it is not itself a migration. */
export const MIGRATIONS_TABLE = {
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`,
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`,
} as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'api_keys',
    // replaced_by references a real key so a rotation can never point at nothing.
    postgres: `
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        models jsonb,
        rpm integer,
        tpm integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        replaced_by text REFERENCES api_keys(id)
      );`,
    sqlite: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        models TEXT,
        rpm INTEGER,
        tpm INTEGER,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER,
        last_used_at INTEGER,
        replaced_by TEXT REFERENCES api_keys(id)
      );`,
  },
  {
    version: 2,
    name: 'usage',
    // No foreign key to api_keys on purpose: usage is an audit log, and one row naming an unknown
    // key must not make a whole batch fail. request_id is unique so a retried flush cannot double rows.
    // latency_ms is fractional because callers measure with performance.now().
    postgres: `
      CREATE TABLE usage (
        id bigserial PRIMARY KEY,
        request_id text NOT NULL,
        key_id text NOT NULL,
        model text NOT NULL,
        endpoint text NOT NULL,
        prompt_tokens integer NOT NULL,
        completion_tokens integer NOT NULL,
        status integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('ok', 'error', 'aborted')),
        latency_ms double precision NOT NULL,
        replica text NOT NULL,
        created_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX usage_request_id_key ON usage (request_id);
      CREATE INDEX usage_created_at_idx ON usage (created_at);
      CREATE INDEX usage_key_created_idx ON usage (key_id, created_at);
      CREATE INDEX usage_model_created_idx ON usage (model, created_at);`,
    sqlite: `
      CREATE TABLE usage (
        id INTEGER PRIMARY KEY,
        request_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        model TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        status INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'aborted')),
        latency_ms REAL NOT NULL,
        replica TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX usage_request_id_key ON usage (request_id);
      CREATE INDEX usage_created_at_idx ON usage (created_at);
      CREATE INDEX usage_key_created_idx ON usage (key_id, created_at);
      CREATE INDEX usage_model_created_idx ON usage (model, created_at);`,
  },
  {
    version: 3,
    name: 'api_keys_max_concurrent',
    // Requests in flight a key may hold at once; NULL = the gateway's default (issue 14).
    postgres: `ALTER TABLE api_keys ADD COLUMN max_concurrent integer;`,
    sqlite: `ALTER TABLE api_keys ADD COLUMN max_concurrent INTEGER;`,
  },
  {
    version: 4,
    name: 'api_keys_allowed_ips',
    // Client addresses a key may be used from, as a JSON array of CIDRs / addresses; NULL = anywhere (issue 16).
    postgres: `ALTER TABLE api_keys ADD COLUMN allowed_ips jsonb;`,
    sqlite: `ALTER TABLE api_keys ADD COLUMN allowed_ips TEXT;`,
  },
  {
    version: 5,
    name: 'response_cache',
    // api_keys.cache: the key opts its deterministic requests into the response cache (issue 16, "Response cache").
    // usage.cached: the answer came from that cache (no upstream call); cached_tokens: the tokens the cached answer
    // reported when it was generated, counted apart from prompt/completion (both 0 for a hit).
    postgres: `
      ALTER TABLE api_keys ADD COLUMN cache boolean NOT NULL DEFAULT false;
      ALTER TABLE usage ADD COLUMN cached boolean NOT NULL DEFAULT false;
      ALTER TABLE usage ADD COLUMN cached_tokens integer NOT NULL DEFAULT 0;`,
    sqlite: `
      ALTER TABLE api_keys ADD COLUMN cache INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE usage ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE usage ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0;`,
  },
];

export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
