// Retention: keeps the newest `keep` backups of a mode in the backups folder and deletes older ones. Only files
// named by backupFileName are considered, so a file the user put there (or wrote with --to) is never deleted.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BACKUP_EXTENSION } from './format.js';
import { backupsDir, type BackupMode } from './backups.js';

const OWN_FILE = /^llm-gateway-(stack|embedded)-(\d{8}T\d{6}Z)(.*)$/;

/** The mode's own backups in the folder, newest first. */
export function listOwnBackups(home: string, mode: BackupMode): string[] {
  let names: string[];
  try {
    names = readdirSync(backupsDir(home));
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, match: OWN_FILE.exec(name) }))
    .filter(({ match }) => match !== null && match[1] === mode && match[3] === BACKUP_EXTENSION)
    .sort((a, b) => b.match![2]!.localeCompare(a.match![2]!))
    .map(({ name }) => path.join(backupsDir(home), name));
}

/** Deletes all but the newest `keep` (≥ 1) own backups of the mode; returns the deleted files. */
export function pruneBackups(home: string, mode: BackupMode, keep: number): string[] {
  const old = listOwnBackups(home, mode).slice(Math.max(1, keep));
  for (const file of old) rmSync(file, { force: true });
  return old;
}
