// The stack's PostgreSQL backup logic (dump → manifest → file, verify → restore) on the machine's real PostgreSQL,
// through the local pg_dump/pg_restore (LocalPgExec; the container path is pg-exec-docker.test.ts). Each test has
// its own throwaway database, dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { seed, snapshot, withTestStore } from '../../../test/support/backup-data.js';
import { TEST_DATABASE_URL } from '../../../test/support/services.js';
import { ControlError } from '../errors.js';
import { createBackup, restoreBackup, type BackupTarget } from './backups.js';
import { encodeBackup, manifestFor } from './format.js';
import { LocalPgExec } from './pg-exec.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A new empty database; its URL. */
async function throwawayDatabase(): Promise<string> {
  const name = `llmgw_backup_${randomBytes(5).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  cleanups.push(() => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

function home(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-pgbackup-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function refusal(run: () => Promise<unknown>): Promise<ControlError> {
  const error = await run().then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ControlError);
  return error as ControlError;
}

describe('PostgreSQL backup and restore (local pg_dump / pg_restore)', () => {
  it('brings keys and usage back after changes, in the same database and into a fresh one', async () => {
    const url = await throwawayDatabase();
    const dir = home();
    const target: BackupTarget = { mode: 'stack', pg: new LocalPgExec(url) };
    const before = await withTestStore({ databaseUrl: url }, async (store) => {
      await seed(store, ['app-a', 'app-b']);
      return snapshot(store);
    });
    const record = await createBackup(target, { home: dir });
    expect(path.basename(record.file)).toMatch(/^llm-gateway-stack-\d{8}T\d{6}Z\.llmgw-backup$/);
    expect(record.mode).toBe('stack');

    await withTestStore({ databaseUrl: url }, async (store) => {
      await store.revokeKey(before.keys[0]!.id, new Date());
      await seed(store, ['later']);
    });
    await restoreBackup(target, record.file);
    expect(await withTestStore({ databaseUrl: url }, snapshot)).toEqual(before);

    // Like `down --volumes` + `up`: an empty database gets everything back.
    const fresh = await throwawayDatabase();
    await restoreBackup({ mode: 'stack', pg: new LocalPgExec(fresh) }, record.file);
    expect(await withTestStore({ databaseUrl: fresh }, snapshot)).toEqual(before);
  });

  it('refuses damaged, truncated and SQLite files and leaves the database as it was', async () => {
    const url = await throwawayDatabase();
    const dir = home();
    const target: BackupTarget = { mode: 'stack', pg: new LocalPgExec(url) };
    await withTestStore({ databaseUrl: url }, (store) => seed(store, ['keep-me']));
    const good = await createBackup(target, { home: dir, to: path.join(dir, 'good.bak') });
    const current = await withTestStore({ databaseUrl: url }, async (store) => {
      await seed(store, ['added-after']);
      return snapshot(store);
    });
    const bytes = readFileSync(good.file);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 10] = flipped[flipped.length - 10]! ^ 0xff;
    const sqlitePayload = Buffer.from('SQLite format 3\u0000');
    const notADump = Buffer.from('checksummed, but no dump');
    const cases: Array<[string, Buffer, string]> = [
      ['flipped.bak', flipped, 'backup_invalid'],
      ['truncated.bak', bytes.subarray(0, bytes.length - 1), 'backup_invalid'],
      ['foreign.bak', Buffer.from('PGDMP raw dump without our header'), 'backup_invalid'],
      ['sqlite.bak', encodeBackup(manifestFor('sqlite', sqlitePayload, 1), sqlitePayload), 'backup_wrong_kind'],
      ['junk.bak', encodeBackup(manifestFor('postgres', notADump, null), notADump), 'backup_invalid'],
    ];
    for (const [name, content, code] of cases) {
      writeFileSync(path.join(dir, name), content);
      const error = await refusal(() => restoreBackup(target, path.join(dir, name)));
      expect(error.code, name).toBe(code);
      expect(await withTestStore({ databaseUrl: url }, snapshot), name).toEqual(current);
    }
  });

  it('a pg_restore that fails half-way changes nothing (one transaction)', async () => {
    const url = await throwawayDatabase();
    const dir = home();
    const target: BackupTarget = { mode: 'stack', pg: new LocalPgExec(url) };
    await withTestStore({ databaseUrl: url }, (store) => seed(store, ['keep-me']));
    const good = await createBackup(target, { home: dir });
    const current = await withTestStore({ databaseUrl: url }, async (store) => {
      await seed(store, ['added-after']);
      return snapshot(store);
    });
    // A well-formed archive whose data section is cut: checksummed as such, so only pg_restore can tell.
    const dump = readFileSync(good.file).subarray(-good.bytes);
    const cut = dump.subarray(0, dump.length - 200);
    writeFileSync(path.join(dir, 'cut.bak'), encodeBackup(manifestFor('postgres', cut, null), cut));
    const error = await refusal(() => restoreBackup(target, path.join(dir, 'cut.bak')));
    expect(error.code).toBe('backup_failed');
    expect(error.message).toMatch(/pg_restore failed/);
    expect(await withTestStore({ databaseUrl: url }, snapshot)).toEqual(current);
  });

  it('names pg_dump’s own error when the database cannot be reached', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = '/llmgw_backup_does_not_exist';
    const error = await refusal(() =>
      createBackup({ mode: 'stack', pg: new LocalPgExec(url.toString()) }, { home: home() }),
    );
    expect(error.code).toBe('backup_failed');
    expect(error.message).toMatch(/pg_dump failed .*does not exist/);
  });
});
