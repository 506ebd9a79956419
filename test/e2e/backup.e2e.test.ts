// Backups end to end on the real Compose stack (issue 16): a key and its usage survive `down --volumes` + `up` +
// restore of a backup taken through pg_dump inside the stack's postgres container; a damaged backup is refused and
// changes nothing. Its own project and ports (llmgw-backup-e2e, :13300, 15632, 16579), so it never touches the
// `llm-gateway` project. Note: compose/docker-compose.yml fixes the container names (llm-gateway-postgres, …), so
// this file refuses to run while another project holds them (the e2e config runs files one after the other).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup, runRestore } from '../../main/cli/backup-command.js';
import { failureOf } from '../../main/cli/exit.js';
import type { BackupRecord } from '../../main/control/backup/backups.js';
import { StackController } from '../../main/stack/controller.js';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { request, stockOllamaEnv, waitFor } from './support.js';

const PROJECT = 'llmgw-backup-e2e';
const BASE = 'http://127.0.0.1:13300';
const PORTS = { LLMGW_PORT: '13300', POSTGRES_PORT: '15632', REDIS_PORT: '16579' };
let home: string;
let upstream: OllamaUpstream;
let controller: StackController;
let docker: Docker;
let model: string;
let key: { id: string; key: string };
let backup: BackupRecord;
let usageBefore: number;

const values = () => controller.envFile().values;
const cliEnv = () => ({ ...process.env, LLMGW_HOME: home, ...PORTS });

/** `llm-gateway backup|restore` in-process, on this file's project; the lines it printed. */
async function cli(run: (out: (line: string) => void) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  await run((line) => lines.push(line));
  return lines;
}

async function usageRows(keyId: string): Promise<number> {
  const v = values();
  const client = new pg.Client({
    host: '127.0.0.1',
    port: Number(PORTS.POSTGRES_PORT),
    user: v.POSTGRES_USER,
    password: v.POSTGRES_PASSWORD,
    database: v.POSTGRES_DB,
  });
  await client.connect();
  try {
    return Number((await client.query('SELECT count(*) AS n FROM usage WHERE key_id = $1', [keyId])).rows[0].n);
  } finally {
    await client.end();
  }
}

const chat = (apiKey: string) =>
  request('POST', '/v1/chat/completions', {
    base: BASE,
    headers: { authorization: `Bearer ${apiKey}` },
    body: { model, messages: [{ role: 'user', content: 'back me up' }] },
  });

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-backup-e2e-home-'));
  controller = new StackController({
    project: PROJECT,
    env: { ...stockOllamaEnv(process.env), LLMGW_HOME: home, LOG_LEVEL: 'warn', ...PORTS },
  });
  docker = await controller.docker();
  if ((await controller.containers()).length > 0)
    throw new Error(
      `A '${PROJECT}' stack already exists on this engine; remove it (docker compose -p ${PROJECT} down).`,
    );
  const taken = await docker.listContainers({ all: true, filters: { name: ['^/llm-gateway-postgres$'] } });
  if (taken.length > 0)
    throw new Error('llm-gateway-postgres exists (another project); the compose file fixes container names.');
  upstream = await startOllamaUpstream({ host: '127.0.0.1', port: 11434 });
  model = upstream.models[0]!.name;
}, 120_000);

afterAll(async () => {
  if (controller) await controller.down({ volumes: true }).catch((err: unknown) => console.error('teardown:', err));
  await upstream?.close();
  if (home) rmSync(home, { recursive: true, force: true });
}, 300_000);

describe('backups of the Compose stack', () => {
  it('1. backs up a key and its usage through pg_dump in the postgres container', async () => {
    expect((await controller.up()).state).toBe('running');
    const created = await request('POST', '/admin/keys', {
      base: BASE,
      headers: { authorization: `Bearer ${values().ADMIN_TOKEN}` },
      body: { name: 'e2e-backup' },
    });
    expect(created.status, created.body).toBe(201);
    key = JSON.parse(created.body) as { id: string; key: string };
    expect((await chat(key.key)).status).toBe(200);
    await waitFor('the usage row to be flushed', 10_000, async () => (await usageRows(key.id)) >= 1);
    usageBefore = await usageRows(key.id);

    const printed = await cli((out) => runBackup({ mode: 'stack', json: true, env: cliEnv(), out, project: PROJECT }));
    backup = JSON.parse(printed[0]!) as BackupRecord;
    expect(backup.mode).toBe('stack');
    expect(backup.file.startsWith(path.join(home, 'backups'))).toBe(true);
  });

  it('2. after down --volumes and up the key is gone; restore brings key and usage back', async () => {
    await controller.down({ volumes: true });
    expect((await controller.up()).state).toBe('running');
    expect((await chat(key.key)).status).toBe(401);
    expect(await usageRows(key.id)).toBe(0);

    // The restore follows the file's kind (no --mode, no settings: auto) and restarts the replicas, so none answers
    // from its pre-restore key set.
    const printed = await cli((out) => runRestore(backup.file, { env: cliEnv(), out, project: PROJECT }));
    expect(printed).toEqual([
      `Restored ${backup.file} (made ${backup.created_at}) into the stack.`,
      'The gateways were restarted and serve the restored keys.',
    ]);
    expect((await chat(key.key)).status).toBe(200);
    expect(await usageRows(key.id)).toBeGreaterThanOrEqual(usageBefore);
  });

  it('3. a damaged backup is refused and the database stays as it is', async () => {
    const bytes = readFileSync(backup.file);
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
    const bad = path.join(home, 'damaged.llmgw-backup');
    writeFileSync(bad, bytes);
    const rows = await usageRows(key.id);
    const error = await runRestore(bad, { env: cliEnv(), out: () => undefined, project: PROJECT }).then(
      () => null,
      (err: unknown) => err,
    );
    const failure = failureOf(error);
    expect(failure?.exit).toBe(6);
    expect(failure?.text).toMatch(/checksum does not match[\s\S]*Nothing was changed/);
    expect((await chat(key.key)).status).toBe(200);
    expect(await usageRows(key.id)).toBeGreaterThanOrEqual(rows);
  });
});
