// Backups as the CLI and the daily schedule use them: make one (dump → manifest → file), restore one (read and
// verify the whole file first, then hand it to the mode's restore), where files go by default, and the record of
// the last successful backup ($LLMGW_HOME/backups/last.json) that the dashboard shows.
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  BACKUP_EXTENSION,
  manifestFor,
  readBackupFile,
  writeBackupFile,
  type BackupFile,
  type BackupKind,
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
  const { payload, schemaVersion } =
    target.mode === 'embedded'
      ? await dumpSqlite(target.home)
      : { payload: await dumpPostgres(target.pg), schemaVersion: null };
  const manifest = manifestFor(kindOfMode(target.mode), payload, schemaVersion, now);
  writeBackupFile(file, manifest, payload);
  const record: BackupRecord = {
    file,
    bytes: payload.length,
    mode: target.mode,
    created_at: manifest.created_at,
    scheduled: options.scheduled ?? false,
  };
  saveLastBackup(options.home, record);
  return record;
}

/** Reads and verifies the whole file; throws backup_invalid before anything changes. */
export function loadBackup(file: string): BackupFile {
  return readBackupFile(path.resolve(file));
}

/**
 * Restores `file` (already loaded with loadBackup, or read here) into the target; its kind must be the target's
 * (backup_wrong_kind otherwise). Nothing changes unless every check passed.
 */
export async function restoreBackup(
  target: BackupTarget,
  file: string,
  loaded?: BackupFile,
): Promise<{ mode: BackupMode; createdAt: string }> {
  const resolved = path.resolve(file);
  const backup = loaded ?? readBackupFile(resolved);
  if (target.mode === 'embedded') restoreSqlite(target.home, backup, resolved);
  else await restorePostgres(target.pg, backup, resolved);
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
