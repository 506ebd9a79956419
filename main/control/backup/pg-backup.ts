// Stack mode's backup and restore of PostgreSQL through a PgExec (the stack's container, or local tools): the dump,
// streamed to a file, is checked to be a custom-format archive before it becomes a backup, and a restore checks the
// file's kind and payload before pg_restore sees it, so a wrong or damaged file changes nothing. Also finds the
// stack's running postgres container (compose project or Swarm stack, through the stack controller's list).
import type Docker from 'dockerode';
import { ControlError } from '../errors.js';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { payloadHead, payloadStream, type VerifiedBackup } from './format.js';
import { DockerPgExec, type PgExec } from './pg-exec.js';

/** Every custom-format archive starts with these bytes (pg_backup_archiver's magic). */
const PGDMP = Buffer.from('PGDMP');

/** Dumps into `file` (the payload of the backup being made) and checks that it is a custom-format archive. */
export async function dumpPostgres(pg: PgExec, file: string): Promise<void> {
  await pg.dump(createWriteStream(file, { mode: 0o600 }));
  const handle = await open(file, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(PGDMP.length);
    head = buffer.subarray(0, (await handle.read(buffer, 0, buffer.length, 0)).bytesRead);
  } finally {
    await handle.close();
  }
  if (!head.equals(PGDMP))
    throw new ControlError('backup_failed', `pg_dump (${pg.where}) did not produce a custom-format archive.`);
}

export async function restorePostgres(pg: PgExec, backup: VerifiedBackup): Promise<void> {
  const { file } = backup;
  if (backup.manifest.kind !== 'postgres')
    throw new ControlError(
      'backup_wrong_kind',
      `${file} is a SQLite (embedded mode) backup; the stack restores PostgreSQL backups only.`,
      { file, kind: backup.manifest.kind },
    );
  if (!(await payloadHead(backup, PGDMP.length)).equals(PGDMP))
    throw new ControlError('backup_invalid', `${file} is not a usable backup: its payload is not a PostgreSQL dump.`, {
      file,
    });
  await pg.restore(payloadStream(backup));
}

/** What the stack controller's container list gives (ContainerStatus); only these fields are read. */
export interface StackContainer {
  id: string;
  name: string;
  service: string;
  state: string;
}

/** The running postgres container of the stack, as a PgExec; stack_not_running when there is none. */
export function stackPgExec(docker: Docker, containers: StackContainer[]): PgExec {
  const postgres = containers.find((c) => c.service === 'postgres' && c.state === 'running');
  if (!postgres)
    throw new ControlError(
      'stack_not_running',
      containers.some((c) => c.service === 'postgres')
        ? "The stack's postgres container is not running, so there is nothing to back up or restore into."
        : 'The stack has no postgres container (is it created? `llm-gateway status`).',
    );
  return new DockerPgExec(docker, postgres);
}
