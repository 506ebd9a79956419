// Opens the configured Store and brings its schema up to date.
// SQLite is imported dynamically: the gateway's Docker image has no native modules, so
// better-sqlite3 must load only when embedded mode actually uses it; likewise pg is not loaded in embedded mode.
import type { Store } from './types.js';

export type { Store } from './types.js';

export interface OpenStoreConfig {
  /** postgres:// or postgresql:// selects PostgreSQL; unset or empty selects SQLite at sqlitePath. */
  databaseUrl?: string;
  sqlitePath: string;
  /** Postgres schema to use (created by migrate); ignored for SQLite. */
  schema?: string;
}

export async function openStore(cfg: OpenStoreConfig): Promise<Store> {
  const url = cfg.databaseUrl ?? '';
  let store: Store;
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { PostgresStore } = await import('./postgres.js');
    store = new PostgresStore({ connectionString: url, ...(cfg.schema !== undefined ? { schema: cfg.schema } : {}) });
  } else if (url === '') {
    const { SqliteStore } = await import('./sqlite.js');
    store = new SqliteStore({ path: cfg.sqlitePath });
  } else {
    // Falling back to SQLite here would silently keep data away from the shared database.
    const scheme = url.split(':')[0];
    throw new Error(`unsupported database URL scheme "${scheme}:": use postgres:// or leave it unset for SQLite`);
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
