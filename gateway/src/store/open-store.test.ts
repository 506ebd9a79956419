// openStore picks the backend from the URL, migrates it, and refuses URLs it cannot serve.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../../test/support/services.js';
import { openStore } from './index.js';
import { LATEST_VERSION } from './migrations.js';

describe('openStore', () => {
  it('opens a migrated SQLite store when no database URL is set', async () => {
    for (const databaseUrl of [undefined, '']) {
      const store = await openStore({ databaseUrl, sqlitePath: ':memory:' });
      try {
        expect(store.kind).toBe('sqlite');
        expect(await store.schemaVersion()).toBe(LATEST_VERSION);
      } finally {
        await store.close();
      }
    }
  });

  it('opens a migrated PostgreSQL store in the given schema for a postgres:// URL', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const store = await openStore({ databaseUrl: TEST_DATABASE_URL, sqlitePath: '/nonexistent/unused.db', schema });
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    try {
      expect(store.kind).toBe('postgres');
      expect(await store.schemaVersion()).toBe(LATEST_VERSION);
      await admin.connect();
      const r = await admin.query(`SELECT to_regclass('"${schema}".api_keys')::text AS t`);
      expect(r.rows[0].t).toBe(`${schema}.api_keys`);
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });

  it('refuses a URL scheme it does not support instead of silently using SQLite', async () => {
    await expect(openStore({ databaseUrl: 'mysql://u@h/db', sqlitePath: ':memory:' })).rejects.toThrow(/mysql/);
  });
});
