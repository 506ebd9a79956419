// The stack path of backups: pg_dump / pg_restore inside a postgres container through dockerode exec, as the
// user's stack runs them (its POSTGRES_USER/POSTGRES_DB, the local socket). The container is this file's own
// (POSTGRES_IMAGE as compose uses, else a postgres image the Engine has; a random 127.0.0.1 port for the Store that
// seeds and reads the data) and is removed with its volume afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed, snapshot, withTestStore } from '../../../test/support/backup-data.js';
import { runBackup, runRestore } from '../../cli/backup-command.js';
import { discoverEngine } from '../../stack/engine.js';
import { ControlError } from '../errors.js';
import { createBackup, restoreBackup, type BackupTarget } from './backups.js';
import { stackPgExec } from './pg-backup.js';

let image: string;
/** The container carries compose's labels of this project, so the commands find it as a stack's postgres. */
const PROJECT = `llmgw-backup-test-${randomBytes(4).toString('hex')}`;
const USER = 'llmgw_backup';
const PASSWORD = randomBytes(12).toString('hex');
let docker: Docker;
let container: Docker.Container | undefined;
let url: string;
let home: string;

/** POSTGRES_IMAGE (as compose uses), else a postgres image this Engine already has (`npm test` sets no *_IMAGE). */
async function postgresImage(engine: Docker): Promise<string> {
  if (process.env.POSTGRES_IMAGE) return process.env.POSTGRES_IMAGE;
  const tags = (await engine.listImages()).flatMap((info) => info.RepoTags ?? []);
  const found = tags.find((tag) => /(^|\/)postgres:[^<]/.test(tag));
  if (!found)
    throw new Error(
      'No PostgreSQL image on this Docker Engine: set POSTGRES_IMAGE (../shared/tools/offline-images builds one) ' +
        'or `docker pull postgres:16-alpine`.',
    );
  return found;
}

async function ready(connectionString: string): Promise<void> {
  // TCP answers only after the image's init scripts finished (they run on the socket alone).
  for (let i = 0; i < 300; i += 1) {
    const client = new pg.Client({ connectionString });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`the test postgres container (${image}) did not accept connections`);
}

beforeAll(async () => {
  docker = (await discoverEngine()).docker;
  image = await postgresImage(docker);
  home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-dockerbackup-'));
  container = await docker.createContainer({
    name: PROJECT,
    Image: image,
    Env: [`POSTGRES_USER=${USER}`, `POSTGRES_PASSWORD=${PASSWORD}`, 'POSTGRES_DB=llmgw'],
    Labels: {
      'llmgw.test': 'backup',
      'com.docker.compose.project': PROJECT,
      'com.docker.compose.service': 'postgres',
      'com.docker.compose.container-number': '1',
    },
    HostConfig: { PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  });
  await container.start();
  const info = await container.inspect();
  const port = info.NetworkSettings.Ports['5432/tcp']?.[0]?.HostPort;
  url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/llmgw`;
  await ready(url);
}, 120_000);

afterAll(async () => {
  await container?.remove({ force: true, v: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('PostgreSQL backup and restore inside a container (dockerode exec)', () => {
  it('finds the running postgres among the stack containers and round-trips keys and usage through it', async () => {
    const info = await container!.inspect();
    const target: BackupTarget = {
      mode: 'stack',
      pg: stackPgExec(docker, [
        { id: info.Id, name: 'nginx', service: 'nginx', state: 'running' },
        { id: info.Id, name: info.Name.slice(1), service: 'postgres', state: 'running' },
      ]),
    };
    const before = await withTestStore({ databaseUrl: url }, async (store) => {
      await seed(store, ['app-a', 'app-b']);
      return snapshot(store);
    });
    const record = await createBackup(target, { home });
    await withTestStore({ databaseUrl: url }, async (store) => {
      await store.revokeKey(before.keys[1]!.id, new Date());
      await seed(store, ['later']);
    });
    await restoreBackup(target, record.file);
    expect(await withTestStore({ databaseUrl: url }, snapshot)).toEqual(before);

    // A damaged file never reaches pg_restore: refused, data as it was.
    const bytes = readFileSync(record.file);
    bytes[bytes.length - 50] = bytes[bytes.length - 50]! ^ 0xff;
    writeFileSync(path.join(home, 'bad.bak'), bytes);
    const error = await restoreBackup(target, path.join(home, 'bad.bak')).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ControlError);
    expect((error as ControlError).code).toBe('backup_invalid');
    expect(await withTestStore({ databaseUrl: url }, snapshot)).toEqual(before);
  });

  it('`llm-gateway backup` / `restore` find the stack’s postgres by its labels and round-trip through it', async () => {
    const env = { ...process.env, LLMGW_HOME: home };
    const before = await withTestStore({ databaseUrl: url }, snapshot);
    const lines: string[] = [];
    await runBackup({ mode: 'stack', json: true, env, out: (line) => lines.push(line), project: PROJECT });
    const record = JSON.parse(lines[0]!) as { file: string; mode: string };
    expect(record.mode).toBe('stack');
    await withTestStore({ databaseUrl: url }, (store) => seed(store, ['after-cli-backup']));
    const restored: string[] = [];
    // No --mode, no settings: the file's kind (postgres) picks the stack.
    await runRestore(record.file, { env, out: (line) => restored.push(line), project: PROJECT });
    expect(restored[0]).toMatch(/into the stack\.$/);
    // This "stack" has no gateways to restart.
    expect(restored[1]).toMatch(/^No gateway of the stack runs/);
    expect(await withTestStore({ databaseUrl: url }, snapshot)).toEqual(before);
  });

  it('reports pg_restore’s own error from inside the container', async () => {
    const info = await container!.inspect();
    const pgExec = stackPgExec(docker, [{ id: info.Id, name: 'pg', service: 'postgres', state: 'running' }]);
    const error = await pgExec.restore(Readable.from([Buffer.from('PGDMP but nothing else')])).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ControlError);
    expect((error as ControlError).message).toMatch(/pg_restore failed \(container pg\)/);
  });

  it('refuses when the stack has no running postgres', () => {
    expect(() => stackPgExec(docker, [{ id: 'x', name: 'x', service: 'postgres', state: 'exited' }])).toThrow(
      /not running/,
    );
    expect(() => stackPgExec(docker, [])).toThrow(/no postgres container/);
  });
});
