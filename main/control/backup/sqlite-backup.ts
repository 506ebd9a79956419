// Embedded mode's backup and restore of $LLMGW_HOME/embedded.db. Backup uses SQLite's online backup API
// (better-sqlite3 db.backup), which copies a consistent snapshot while the gateway keeps writing (WAL). Restore
// never touches the live file until the replacement is proven good: the payload is written to a temporary file in
// the same folder, checked (integrity, a gateway schema this build can read), and renamed over embedded.db, after
// the old database's WAL was folded in and the -wal/-shm files removed (stale ones would be replayed onto the new
// file). It refuses while an embedded gateway runs on the file (embedded.lock).
import { createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LATEST_VERSION } from '../../../gateway/src/index.js';
import { ControlError } from '../errors.js';
import { EMBEDDED_DB } from '../embedded/embedded.js';
import { EMBEDDED_LOCK, runningEmbedded } from '../embedded/lock.js';
import { payloadStream, type VerifiedBackup } from './format.js';

const SIDE_FILES = ['-wal', '-shm', '-journal'];

function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (table === undefined) return 0;
  return (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
}

/** Writes a consistent copy of the embedded database to `file` (the payload); returns its schema version. */
export async function dumpSqlite(home: string, file: string): Promise<{ schemaVersion: number }> {
  const source = path.join(home, EMBEDDED_DB);
  if (!existsSync(source))
    throw new ControlError(
      'backup_failed',
      `There is no embedded database to back up yet (${source}).`,
      { file: source },
      {
        hint: 'Embedded mode creates it on its first start (the tray, or `llm-gateway serve --start`); to back up the stack, use --mode stack.',
      },
    );
  const db = new Database(source, { fileMustExist: true });
  try {
    await db.backup(file);
    const copy = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return { schemaVersion: schemaVersion(copy) };
    } finally {
      copy.close();
    }
  } catch (err) {
    if (err instanceof ControlError) throw err;
    throw new ControlError('backup_failed', `The embedded database could not be copied: ${(err as Error).message}`, {
      file: source,
    });
  } finally {
    db.close();
    for (const suffix of SIDE_FILES) rmSync(`${file}${suffix}`, { force: true });
  }
}

function refuseWhileRunning(home: string): void {
  const lock = runningEmbedded(home);
  if (lock)
    throw new ControlError(
      'backup_refused_running',
      `The embedded gateway is running on ${path.join(home, EMBEDDED_DB)} (process ${lock.pid}, port ${lock.port}); ` +
        `a restore would pull the database out from under it.`,
      { pid: lock.pid, port: lock.port, lock: path.join(home, EMBEDDED_LOCK) },
    );
}

/** Opens the candidate and proves it is a gateway database this build can serve; throws backup_invalid. */
function verifyCandidate(file: string, temp: string): void {
  let problem: string | null = null;
  try {
    const db = new Database(temp, { fileMustExist: true });
    try {
      const integrity = db.pragma('integrity_check', { simple: true }) as unknown;
      const version = schemaVersion(db);
      const keys = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_keys'").get();
      if (integrity !== 'ok') problem = `its database fails the integrity check (${String(integrity)})`;
      else if (keys === undefined || version === 0) problem = 'its database is not an llm-gateway database';
      else if (version > LATEST_VERSION)
        problem = `its schema version ${version} is newer than this build's ${LATEST_VERSION} (update llm-gateway)`;
    } finally {
      db.close();
    }
  } catch (err) {
    problem = `its database does not open (${(err as Error).message})`;
  }
  if (problem)
    throw new ControlError('backup_invalid', `${file} is not a usable backup: ${problem}.`, { file, problem });
}

/**
 * Replaces embedded.db with the backup's database (verified by openBackupFile). Nothing is changed unless every
 * check passed; the replacement itself is one rename.
 */
export async function restoreSqlite(home: string, backup: VerifiedBackup): Promise<{ dbPath: string }> {
  const { file } = backup;
  if (backup.manifest.kind !== 'sqlite')
    throw new ControlError(
      'backup_wrong_kind',
      `${file} is a PostgreSQL (stack) backup; embedded mode restores SQLite backups only.`,
      { file, kind: backup.manifest.kind },
    );
  refuseWhileRunning(home);
  const dbPath = path.join(home, EMBEDDED_DB);
  const temp = path.join(home, `.${EMBEDDED_DB}.restore-${process.pid}.tmp`);
  const cleanTemp = () => {
    for (const suffix of ['', ...SIDE_FILES]) rmSync(`${temp}${suffix}`, { force: true });
  };
  try {
    await pipeline(payloadStream(backup), createWriteStream(temp, { mode: 0o600 }));
    verifyCandidate(file, temp);
    // Checked again right before the swap: a gateway may have started while the candidate was checked.
    refuseWhileRunning(home);
    if (existsSync(dbPath)) {
      // Folds the old WAL in and lets SQLite delete it; what is left over is removed so it cannot be replayed.
      // Best effort: a damaged old database is exactly what a restore replaces.
      try {
        const old = new Database(dbPath, { fileMustExist: true });
        try {
          old.pragma('wal_checkpoint(TRUNCATE)');
        } finally {
          old.close();
        }
      } catch {
        // replaced below all the same
      }
    }
    for (const suffix of SIDE_FILES) rmSync(`${dbPath}${suffix}`, { force: true });
    renameSync(temp, dbPath);
  } catch (err) {
    cleanTemp();
    if (err instanceof ControlError) throw err;
    throw new ControlError('backup_failed', `The embedded database could not be replaced: ${(err as Error).message}`, {
      file,
      dbPath,
    });
  }
  cleanTemp();
  return { dbPath };
}
