// The backup file: one file a user can copy anywhere. A magic line, one line of JSON manifest (format version,
// kind, creation time, schema version, SHA-256 and byte length of the payload), then the payload itself (a
// PostgreSQL custom-format dump or a SQLite database). Reading checks all of it before anything is restored, so a
// corrupt, truncated or foreign file is refused with the problem named and nothing changed.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ControlError } from '../errors.js';

export const BACKUP_MAGIC = 'LLMGW-BACKUP\n';
export const BACKUP_FORMAT = 1;
export const BACKUP_EXTENSION = '.llmgw-backup';
/** The manifest line is small; a longer first line means this is not one of our files. */
const MAX_MANIFEST_BYTES = 4096;

export type BackupKind = 'postgres' | 'sqlite';

export const manifestSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  kind: z.enum(['postgres', 'sqlite']),
  created_at: z.iso.datetime(),
  /** The store's schema version (schema_migrations) when known; a restore refuses one newer than this build's. */
  schema_version: z.number().int().nonnegative().nullable(),
  payload_bytes: z.number().int().nonnegative(),
  payload_sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export type BackupManifest = z.output<typeof manifestSchema>;

export interface BackupFile {
  manifest: BackupManifest;
  payload: Buffer;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function manifestFor(kind: BackupKind, payload: Buffer, schemaVersion: number | null, now = new Date()) {
  return manifestSchema.parse({
    format: BACKUP_FORMAT,
    kind,
    created_at: now.toISOString(),
    schema_version: schemaVersion,
    payload_bytes: payload.length,
    payload_sha256: sha256(payload),
  });
}

/** The file's bytes: magic, manifest line, payload. */
export function encodeBackup(manifest: BackupManifest, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(BACKUP_MAGIC), Buffer.from(`${JSON.stringify(manifest)}\n`), payload]);
}

/**
 * Writes the backup to `file` (mode 0600, its folder 0700 when created) through a temporary file in the same
 * folder renamed at the end, so a crash or a full disk never leaves a half file under the final name.
 */
export function writeBackupFile(file: string, manifest: BackupManifest, payload: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.partial`;
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      const bytes = encodeBackup(manifest, payload);
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new ControlError('backup_failed', `The backup could not be written to ${file}: ${(err as Error).message}`, {
      file,
    });
  }
}

const invalid = (file: string, problem: string): ControlError =>
  new ControlError('backup_invalid', `${file} is not a usable backup: ${problem}.`, { file, problem });

/** Parses and verifies bytes read from `file` (named in errors). Throws ControlError backup_invalid. */
export function decodeBackup(file: string, bytes: Buffer): BackupFile {
  const magic = Buffer.from(BACKUP_MAGIC);
  if (bytes.length < magic.length || !bytes.subarray(0, magic.length).equals(magic))
    throw invalid(file, 'it does not start like an llm-gateway backup (wrong file?)');
  // Searched within the manifest's limit only: a foreign file of gigabytes is not scanned to its end.
  const end = bytes.subarray(0, magic.length + MAX_MANIFEST_BYTES + 1).indexOf(0x0a, magic.length);
  if (end === -1) throw invalid(file, 'its manifest line is missing or cut off (truncated?)');
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.subarray(magic.length, end).toString('utf8'));
  } catch {
    throw invalid(file, 'its manifest is not valid JSON (the file is damaged)');
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const format = (raw as { format?: unknown } | null)?.format;
    if (typeof format === 'number' && format !== BACKUP_FORMAT)
      throw invalid(
        file,
        `it has format version ${format}, this build reads version ${BACKUP_FORMAT} (update llm-gateway)`,
      );
    throw invalid(file, `its manifest is damaged (${parsed.error.issues[0]?.path.join('.') || 'shape'})`);
  }
  const manifest = parsed.data;
  const payload = bytes.subarray(end + 1);
  if (payload.length < manifest.payload_bytes)
    throw invalid(file, `it is truncated: ${payload.length} of ${manifest.payload_bytes} payload bytes are there`);
  if (payload.length > manifest.payload_bytes)
    throw invalid(file, `it has ${payload.length - manifest.payload_bytes} bytes more than its manifest says`);
  if (sha256(payload) !== manifest.payload_sha256)
    throw invalid(file, 'its checksum does not match (the file is damaged)');
  return { manifest, payload };
}

export function readBackupFile(file: string): BackupFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalid(file, code === 'ENOENT' ? 'there is no such file' : `it cannot be read (${code ?? 'error'})`);
  }
  return decodeBackup(file, bytes);
}
