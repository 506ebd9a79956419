// Backups as the CLI and the daily schedule use them: make one (dump → manifest → file), restore one (read and
// verify the whole file first, then hand it to the mode's restore), where files go by default, and the record of
// the last successful backup ($LLMGW_HOME/backups/last.json) that the dashboard shows.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ControlError } from '../errors.js';
import {
  BACKUP_EXTENSION,
  openBackupFile,
  writeBackupFile,
  type BackupKind,
  type BackupManifest,
  type VerifiedBackup,
} from './format.js';
import { dumpPostgres, restorePostgres } from './pg-backup.js';
import type { PgExec } from './pg-exec.js';
import { dumpSqlite, restoreSqlite } from './sqlite-backup.js';

export const BACKUPS_DIR = 'backups';
export const LAST_BACKUP_FILE = 'last.json';

export type BackupMode = 'stack' | 'embedded';

/** What a backup is taken from / restored into. */
export type BackupTarget = { mode: 'embedded'; home: string } | { mode: 'stack'; pg: PgExec };

export const kindOfMode = (mode: BackupMode): BackupKind => (mode === 'stack' ? 'postgres' : 'sqlite');
export const modeOfKind = (kind: BackupKind): BackupMode => (kind === 'postgres' ? 'stack' : 'embedded');

export function backupsDir(home: string): string {
  return path.join(home, BACKUPS_DIR);
}

/** llm-gateway-<mode>-20261202T134500Z.llmgw-backup: sorts by time, and retention recognises its own files by it. */
export function backupFileName(mode: BackupMode, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `llm-gateway-${mode}-${stamp}${BACKUP_EXTENSION}`;
}

export const backupRecordSchema = z.object({
  file: z.string(),
  bytes: z.number().int().nonnegative(),
  mode: z.enum(['stack', 'embedded']),
  created_at: z.string(),
  /** True when the daily schedule made it. */
  scheduled: z.boolean(),
});

export type BackupRecord = z.output<typeof backupRecordSchema>;

export interface CreateBackupOptions {
  /** Where to write (default: the backups folder, named by mode and time). */
  to?: string;
  home: string;
  scheduled?: boolean;
  now?: Date;
}

export async function createBackup(target: BackupTarget, options: CreateBackupOptions): Promise<BackupRecord> {
  const now = options.now ?? new Date();
  const file = path.resolve(options.to ?? path.join(backupsDir(options.home), backupFileName(target.mode, now)));
  // The payload is dumped next to the destination first (same disk), then wrapped into the backup file.
  const payload = `${file}.${process.pid}.payload`;
  let manifest: BackupManifest;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const schemaVersion =
      target.mode === 'embedded'
        ? (await dumpSqlite(target.home, payload)).schemaVersion
        : (await dumpPostgres(target.pg, payload), null);
    manifest = await writeBackupFile(file, kindOfMode(target.mode), payload, schemaVersion, now);
  } catch (err) {
    if (err instanceof ControlError) throw err;
    throw new ControlError('backup_failed', `The backup could not be made in ${file}: ${(err as Error).message}`, {
      file,
    });
  } finally {
    rmSync(payload, { force: true });
  }
  const record: BackupRecord = {
    file,
    bytes: manifest.payload_bytes,
    mode: target.mode,
    created_at: manifest.created_at,
    scheduled: options.scheduled ?? false,
  };
  saveLastBackup(options.home, record);
  return record;
}

/** Reads and verifies the whole file (header, length, checksum); throws backup_invalid before anything changes. */
export function loadBackup(file: string): Promise<VerifiedBackup> {
  return openBackupFile(path.resolve(file));
}

/**
 * Restores `file` (already verified with loadBackup, or verified here) into the target; its kind must be the
 * target's (backup_wrong_kind otherwise). Nothing changes unless every check passed.
 */
export async function restoreBackup(
  target: BackupTarget,
  file: string,
  loaded?: VerifiedBackup,
): Promise<{ mode: BackupMode; createdAt: string }> {
  const backup = loaded ?? (await openBackupFile(path.resolve(file)));
  if (target.mode === 'embedded') await restoreSqlite(target.home, backup);
  else await restorePostgres(target.pg, backup);
  return { mode: target.mode, createdAt: backup.manifest.created_at };
}

/** The last successful backup, or null (none yet, or an unreadable record). */
export function lastBackup(home: string): BackupRecord | null {
  try {
    const parsed = backupRecordSchema.safeParse(
      JSON.parse(readFileSync(path.join(backupsDir(home), LAST_BACKUP_FILE), 'utf8')),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function saveLastBackup(home: string, record: BackupRecord): void {
  const dir = backupsDir(home);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, LAST_BACKUP_FILE);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    // The backup itself is written and reported to the caller; only the dashboard's "last backup" line is stale.
  }
}
