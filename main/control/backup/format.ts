// The backup file: one file a user can copy anywhere. A magic line, one line of JSON manifest (format version,
// kind, creation time, schema version, SHA-256 and byte length of the payload), then the payload itself (a
// PostgreSQL custom-format dump or a SQLite database). Opening a backup checks all of it before anything is
// restored, so a corrupt, truncated or foreign file is refused with the problem named and nothing changed.
// Payloads are streamed (hashed and copied through files, never held in memory whole): usage tables grow large.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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

/** A backup file whose header, length and checksum were verified; its payload starts at `payloadOffset`. */
export interface VerifiedBackup {
  file: string;
  manifest: BackupManifest;
  payloadOffset: number;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function digestOf(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

function manifestOf(
  kind: BackupKind,
  digest: { sha256: string; bytes: number },
  schemaVersion: number | null,
  now: Date,
) {
  return manifestSchema.parse({
    format: BACKUP_FORMAT,
    kind,
    created_at: now.toISOString(),
    schema_version: schemaVersion,
    payload_bytes: digest.bytes,
    payload_sha256: digest.sha256,
  });
}

/** The manifest of an in-memory payload (tests build files with it). */
export function manifestFor(kind: BackupKind, payload: Buffer, schemaVersion: number | null, now = new Date()) {
  return manifestOf(kind, { sha256: sha256(payload), bytes: payload.length }, schemaVersion, now);
}

/** The bytes of a backup file with an in-memory payload (tests build files with it). */
export function encodeBackup(manifest: BackupManifest, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(BACKUP_MAGIC), Buffer.from(`${JSON.stringify(manifest)}\n`), payload]);
}

/**
 * Writes the backup of the payload in `payloadFile` to `file` (mode 0600, its folder 0700 when created) through a
 * temporary file in the same folder renamed at the end, so a crash or a full disk never leaves a half file under
 * the final name. Returns the manifest written.
 */
export async function writeBackupFile(
  file: string,
  kind: BackupKind,
  payloadFile: string,
  schemaVersion: number | null,
  now: Date,
): Promise<BackupManifest> {
  const temp = `${file}.${process.pid}.partial`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const manifest = manifestOf(kind, await digestOf(createReadStream(payloadFile)), schemaVersion, now);
    const header = `${BACKUP_MAGIC}${JSON.stringify(manifest)}\n`;
    const out = createWriteStream(temp, { mode: 0o600 });
    out.write(header);
    await pipeline(createReadStream(payloadFile), out);
    const handle = await open(temp, 'r+');
    try {
      // On disk before the rename: a power cut must not leave an empty file under the final name.
      await handle.sync();
      if ((await handle.stat()).size !== Buffer.byteLength(header) + manifest.payload_bytes)
        throw new Error('the written file has an unexpected length (did the payload change while it was copied?)');
    } finally {
      await handle.close();
    }
    renameSync(temp, file);
    return manifest;
  } catch (err) {
    rmSync(temp, { force: true });
    throw new ControlError('backup_failed', `The backup could not be written to ${file}: ${(err as Error).message}`, {
      file,
    });
  }
}

const invalid = (file: string, problem: string): ControlError =>
  new ControlError('backup_invalid', `${file} is not a usable backup: ${problem}.`, { file, problem });

/** Reads the header, then streams the payload through SHA-256. Throws ControlError backup_invalid. */
export async function openBackupFile(file: string): Promise<VerifiedBackup> {
  const magic = Buffer.from(BACKUP_MAGIC);
  let head: Buffer;
  let size: number;
  try {
    const handle = await open(file, 'r');
    try {
      size = (await handle.stat()).size;
      const buffer = Buffer.alloc(magic.length + MAX_MANIFEST_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalid(file, code === 'ENOENT' ? 'there is no such file' : `it cannot be read (${code ?? 'error'})`);
  }
  if (head.length < magic.length || !head.subarray(0, magic.length).equals(magic))
    throw invalid(file, 'it does not start like an llm-gateway backup (wrong file?)');
  const end = head.indexOf(0x0a, magic.length);
  if (end === -1) throw invalid(file, 'its manifest line is missing or cut off (truncated?)');
  let raw: unknown;
  try {
    raw = JSON.parse(head.subarray(magic.length, end).toString('utf8'));
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
  const payloadOffset = end + 1;
  const payloadBytes = size - payloadOffset;
  if (payloadBytes < manifest.payload_bytes)
    throw invalid(file, `it is truncated: ${payloadBytes} of ${manifest.payload_bytes} payload bytes are there`);
  if (payloadBytes > manifest.payload_bytes)
    throw invalid(file, `it has ${payloadBytes - manifest.payload_bytes} bytes more than its manifest says`);
  const backup = { file, manifest, payloadOffset };
  if ((await digestOf(payloadStream(backup))).sha256 !== manifest.payload_sha256)
    throw invalid(file, 'its checksum does not match (the file is damaged)');
  return backup;
}

/** The payload's bytes, streamed from the file. */
export function payloadStream(backup: VerifiedBackup): Readable {
  return createReadStream(backup.file, { start: backup.payloadOffset });
}

/** The payload's first `n` bytes (to recognise a dump or a database). */
export async function payloadHead(backup: VerifiedBackup, n: number): Promise<Buffer> {
  const handle = await open(backup.file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(n, backup.manifest.payload_bytes));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, backup.payloadOffset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
