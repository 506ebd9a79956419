// Embedded mode's backup and restore on a real SQLite file made through the gateway's Store: the data comes back
// after changes; a corrupt, truncated, foreign or other-mode file is refused and the database file is unchanged;
// a restore under a running embedded gateway (real, in this process) is refused.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_VERSION } from '../../../gateway/src/index.js';
import { seed, snapshot, withTestStore } from '../../../test/support/backup-data.js';
import { EmbeddedGateway, EMBEDDED_DB } from '../embedded/embedded.js';
import { EMBEDDED_LOCK } from '../embedded/lock.js';
import { ControlError } from '../errors.js';
import { FileVault } from '../keys/vault.js';
import { backupsDir, createBackup, lastBackup, restoreBackup } from './backups.js';
import { encodeBackup, manifestFor } from './format.js';

const homes: string[] = [];
function home(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-backup-'));
  homes.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const dbOf = (dir: string) => ({ sqlitePath: path.join(dir, EMBEDDED_DB) });
const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function refusal(run: () => Promise<unknown>): Promise<ControlError> {
  const error = await run().then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ControlError);
  return error as ControlError;
}

describe('embedded backup and restore', () => {
  it('brings keys and usage back after they were changed, deleted and added to', async () => {
    const dir = home();
    const before = await withTestStore(dbOf(dir), async (store) => {
      await seed(store, ['app-a', 'app-b']);
      return snapshot(store);
    });
    const record = await createBackup({ mode: 'embedded', home: dir }, { home: dir });
    expect(path.dirname(record.file)).toBe(backupsDir(dir));
    expect(path.basename(record.file)).toMatch(/^llm-gateway-embedded-\d{8}T\d{6}Z\.llmgw-backup$/);
    expect(statSync(record.file).mode & 0o777).toBe(0o600);
    expect(statSync(backupsDir(dir)).mode & 0o777).toBe(0o700);
    expect(lastBackup(dir)).toEqual(record);

    await withTestStore(dbOf(dir), async (store) => {
      await store.revokeKey(before.keys[0]!.id, new Date());
      await seed(store, ['later']);
      expect((await snapshot(store)).keys).toHaveLength(3);
    });
    await restoreBackup({ mode: 'embedded', home: dir }, record.file);
    const after = await withTestStore(dbOf(dir), snapshot);
    expect(after).toEqual(before);
    expect(after.requests).toBe(4);
    expect(readdirSide(dir)).toEqual([]);
  });

  it('restores into a data folder that has no embedded database yet (a new computer)', async () => {
    const dir = home();
    const before = await withTestStore(dbOf(dir), async (store) => {
      await seed(store, ['moved']);
      return snapshot(store);
    });
    const record = await createBackup({ mode: 'embedded', home: dir }, { home: dir });
    const fresh = home();
    await restoreBackup({ mode: 'embedded', home: fresh }, record.file);
    expect(statSync(path.join(fresh, EMBEDDED_DB)).mode & 0o777).toBe(0o600);
    expect(await withTestStore(dbOf(fresh), snapshot)).toEqual(before);
  });

  it('backs up while the gateway has the database open and writes to it (online backup)', async () => {
    const dir = home();
    await withTestStore(dbOf(dir), async (store) => {
      await seed(store, ['first']);
      const record = await createBackup({ mode: 'embedded', home: dir }, { home: dir, to: path.join(dir, 'x.bak') });
      await seed(store, ['after-backup']);
      expect(record.bytes).toBeGreaterThan(0);
    });
    await restoreBackup({ mode: 'embedded', home: dir }, path.join(dir, 'x.bak'));
    const after = await withTestStore(dbOf(dir), snapshot);
    expect(after.keys.map((k) => k.name)).toEqual(['first']);
  });

  it('refuses damaged, truncated, foreign and PostgreSQL files and leaves the database as it was', async () => {
    const dir = home();
    await withTestStore(dbOf(dir), (store) => seed(store, ['keep-me']));
    const good = await createBackup({ mode: 'embedded', home: dir }, { home: dir, to: path.join(dir, 'good.bak') });
    await withTestStore(dbOf(dir), (store) => seed(store, ['added-after']));
    const db = path.join(dir, EMBEDDED_DB);
    const hashBefore = digest(db);
    const bytes = readFileSync(good.file);

    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 100] = flipped[flipped.length - 100]! ^ 0xff;
    const manifestFlip = Buffer.from(bytes);
    manifestFlip[20] = manifestFlip[20]! ^ 0x01;
    const payload = Buffer.from('PGDMP not really');
    const cases: Array<[string, Buffer, string, RegExp]> = [
      ['flipped.bak', flipped, 'backup_invalid', /checksum does not match/],
      ['truncated.bak', bytes.subarray(0, bytes.length - 4096), 'backup_invalid', /truncated/],
      ['manifest.bak', manifestFlip, 'backup_invalid', /manifest/],
      ['foreign.bak', Buffer.from('SQLite format 3\u0000 and so on'), 'backup_invalid', /does not start like/],
      ['empty.bak', Buffer.alloc(0), 'backup_invalid', /does not start like/],
      ['pg.bak', encodeBackup(manifestFor('postgres', payload, null), payload), 'backup_wrong_kind', /PostgreSQL/],
    ];
    for (const [name, content, code, message] of cases) {
      writeFileSync(path.join(dir, name), content);
      const error = await refusal(() => restoreBackup({ mode: 'embedded', home: dir }, path.join(dir, name)));
      expect(error.code, name).toBe(code);
      expect(error.message, name).toMatch(message);
      expect(digest(db), name).toBe(hashBefore);
    }
    const missing = await refusal(() => restoreBackup({ mode: 'embedded', home: dir }, path.join(dir, 'nope.bak')));
    expect(missing.message).toMatch(/no such file/);
    expect((await withTestStore(dbOf(dir), snapshot)).keys.map((k) => k.name).sort()).toEqual([
      'added-after',
      'keep-me',
    ]);
    expect(readdirSide(dir)).toEqual([]);
  });

  it('refuses a checksummed file whose database is not a gateway database', async () => {
    const dir = home();
    await withTestStore(dbOf(dir), (store) => seed(store, ['keep-me']));
    const hashBefore = digest(path.join(dir, EMBEDDED_DB));
    const payload = Buffer.from('this is not a database at all, but the checksum is right');
    writeFileSync(path.join(dir, 'junk.bak'), encodeBackup(manifestFor('sqlite', payload, 1), payload));
    const error = await refusal(() => restoreBackup({ mode: 'embedded', home: dir }, path.join(dir, 'junk.bak')));
    expect(error.code).toBe('backup_invalid');
    expect(digest(path.join(dir, EMBEDDED_DB))).toBe(hashBefore);
  });

  it('refuses a database from a newer llm-gateway (its schema is ahead of this build)', async () => {
    const dir = home();
    await withTestStore(dbOf(dir), (store) => seed(store, ['keep-me']));
    const hashBefore = digest(path.join(dir, EMBEDDED_DB));
    const newer = path.join(dir, 'newer.db');
    const db = new Database(newer);
    db.exec('CREATE TABLE api_keys (id TEXT); CREATE TABLE schema_migrations (version INTEGER);');
    db.prepare('INSERT INTO schema_migrations (version) VALUES (?)').run(LATEST_VERSION + 1);
    db.close();
    const payload = readFileSync(newer);
    writeFileSync(
      path.join(dir, 'newer.bak'),
      encodeBackup(manifestFor('sqlite', payload, LATEST_VERSION + 1), payload),
    );
    const error = await refusal(() => restoreBackup({ mode: 'embedded', home: dir }, path.join(dir, 'newer.bak')));
    expect(error.code).toBe('backup_invalid');
    expect(error.message).toMatch(new RegExp(`schema version ${LATEST_VERSION + 1} is newer than this build's`));
    expect(digest(path.join(dir, EMBEDDED_DB))).toBe(hashBefore);
  });

  it('refuses to restore while an embedded gateway runs on the database, and allows it once stopped', async () => {
    const dir = home();
    await withTestStore(dbOf(dir), (store) => seed(store, ['keep-me']));
    const record = await createBackup({ mode: 'embedded', home: dir }, { home: dir });
    const gateway = new EmbeddedGateway({
      home: dir,
      vault: new FileVault(path.join(dir, 'vault.json')),
      port: 0,
      ollamaUrl: 'http://127.0.0.1:9',
      logLevel: 'silent',
    });
    await gateway.start();
    try {
      expect(existsSync(path.join(dir, EMBEDDED_LOCK))).toBe(true);
      const error = await refusal(() => restoreBackup({ mode: 'embedded', home: dir }, record.file));
      expect(error.code).toBe('backup_refused_running');
      expect(error.message).toContain(`process ${process.pid}`);
    } finally {
      await gateway.stop();
    }
    expect(existsSync(path.join(dir, EMBEDDED_LOCK))).toBe(false);
    await restoreBackup({ mode: 'embedded', home: dir }, record.file);
    expect((await withTestStore(dbOf(dir), snapshot)).keys.map((k) => k.name)).toEqual(['keep-me']);
  });

  it('ignores a stale lock left by a process that is gone', async () => {
    const dir = home();
    await withTestStore(dbOf(dir), (store) => seed(store, ['keep-me']));
    const record = await createBackup({ mode: 'embedded', home: dir }, { home: dir });
    // Beyond the default pid_max (4194304 on 64-bit Linux): no process has it.
    writeFileSync(path.join(dir, EMBEDDED_LOCK), JSON.stringify({ pid: 99_999_999, port: 1, started_at: 'x' }));
    await restoreBackup({ mode: 'embedded', home: dir }, record.file);
  });

  it('says so when there is no embedded database yet', async () => {
    const dir = home();
    const error = await refusal(() => createBackup({ mode: 'embedded', home: dir }, { home: dir }));
    expect(error.code).toBe('backup_failed');
    expect(error.message).toMatch(/no embedded database/);
    expect(error.hint).toMatch(/creates it on its first start.*--mode stack/);
    expect(lastBackup(dir)).toBeNull();
  });
});

/** Temporary files a backup or restore might leave next to the database or in the backups folder. */
function readdirSide(dir: string): string[] {
  const folders = [dir, backupsDir(dir)].filter((folder) => existsSync(folder));
  return folders.flatMap((folder) => readdirSync(folder)).filter((name) => /\.tmp|\.partial|\.payload/.test(name));
}
