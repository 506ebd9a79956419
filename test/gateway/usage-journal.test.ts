// The stack's usage journal against real Redis + PostgreSQL: a gateway PROCESS killed with SIGKILL mid-load
// loses no usage row it answered (another gateway drains the journal), a row delivered twice is stored once,
// and entries a dead replica read but never acknowledged are taken over by a live one.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../gateway/src/config.js';
import { startGateway, type Gateway } from '../../gateway/src/server.js';
import { RedisLimiter } from '../../gateway/src/limits/redis.js';
import { RedisUsageJournal } from '../../gateway/src/usage/redis-journal.js';
import type { UsageRow } from '../../gateway/src/store/types.js';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/services.js';

const CLI = path.resolve('bin/llm-gateway.js');

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  return port;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 150; i += 1) {
    if (child.exitCode !== null) throw new Error(`gateway exited early:\n${output()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gateway did not start:\n${output()}`);
}

const row = (requestId: string, tokens = 7): UsageRow => ({
  requestId,
  keyId: 'key_journal',
  model: 'm',
  endpoint: '/v1/chat/completions',
  promptTokens: 2,
  completionTokens: tokens,
  status: 200,
  outcome: 'ok',
  latencyMs: 1,
  replica: 'r',
  createdAt: new Date(),
});

describe('usage journal (Redis stream → PostgreSQL)', () => {
  let upstream: OllamaUpstream;
  const id = randomBytes(6).toString('hex');
  const schema = `t_${id}`;
  const prefix = `test:${id}:`;
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
  const redis = new Redis(TEST_REDIS_URL);
  const adminToken = randomBytes(24).toString('hex');
  const env = {
    OLLAMA_URLS: '',
    ADMIN_TOKEN: adminToken,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
  };
  const survivor = (overrides: Record<string, string | number> = {}): Promise<Gateway> =>
    startGateway(
      configFrom({
        ...env,
        PORT: 0,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        INSTANCE_ID: `survivor-${randomBytes(3).toString('hex')}`,
        USAGE_FLUSH_INTERVAL_MS: 60_000, // only the explicit flush drains: the test decides when
        ...overrides,
      }),
    );

  beforeAll(async () => {
    upstream = await startOllamaUpstream();
    env.OLLAMA_URLS = upstream.url;
    await db.connect();
  });
  afterAll(async () => {
    await upstream.close();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('a gateway process killed with SIGKILL mid-load loses no answered row; tokens in the database = tokens clients saw', async () => {
    const port = await freePort();
    let output = '';
    const child = spawn(process.execPath, [CLI, 'gateway'], {
      env: {
        PATH: process.env.PATH,
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        INSTANCE_ID: 'victim',
        USAGE_FLUSH_INTERVAL_MS: '600000', // the victim never drains: every row must come from the journal
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = `http://127.0.0.1:${port}`;
    const answered = new Map<string, number>(); // request id → total tokens the client was told
    let failed = 0;
    try {
      await waitForHealth(url, child, () => output);
      const created = await fetch(`${url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'journal', rpm: 1_000_000, tpm: 100_000_000 }),
      });
      const { key } = (await created.json()) as { key: string };
      upstream.behaviour = { ...upstream.behaviour, chunks: 3, chunkDelayMs: 2 };
      let stop = false;
      const clients = Array.from({ length: 8 }, async () => {
        while (!stop) {
          try {
            const response = await fetch(`${url}/v1/chat/completions`, {
              method: 'POST',
              headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
              body: JSON.stringify({ model: upstream.models[0]!.name, messages: [{ role: 'user', content: 'hi' }] }),
            });
            const body = (await response.json()) as { usage?: { total_tokens: number } };
            if (response.status === 200 && body.usage)
              answered.set(response.headers.get('x-request-id')!, body.usage.total_tokens);
            else failed += 1;
          } catch {
            failed += 1; // in flight at the kill
            if (child.exitCode !== null || child.signalCode !== null) return;
          }
        }
      });
      // Kill once the load is well under way (a count, not a time): requests are in flight at that instant.
      while (answered.size < 300) await new Promise((resolve) => setTimeout(resolve, 5));
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
      stop = true;
      await Promise.all(clients);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }

    const gateway = await survivor();
    try {
      await gateway.deps.usage.flush();
    } finally {
      await gateway.close();
    }
    const rows = (
      await db.query<{ request_id: string; tokens: number }>(
        `SELECT request_id, prompt_tokens + completion_tokens AS tokens FROM "${schema}".usage WHERE replica = 'victim'`,
      )
    ).rows;
    const stored = new Map(rows.map((r) => [r.request_id, r.tokens]));
    const lost = [...answered.keys()].filter((rid) => !stored.has(rid));
    expect(answered.size).toBeGreaterThanOrEqual(300);
    expect(lost, `${lost.length} of ${answered.size} answered requests have no row (${failed} failed)`).toEqual([]);
    const tokensClients = [...answered.values()].reduce((a, b) => a + b, 0);
    const tokensDb = [...answered.keys()].reduce((sum, rid) => sum + stored.get(rid)!, 0);
    expect(tokensDb).toBe(tokensClients);
    // Rows beyond the answered ones can only be requests the kill cut off after their row went out.
    expect(rows.length - answered.size).toBeLessThanOrEqual(failed);
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(rows.length);
  });

  it('a row delivered twice is stored once; entries a dead replica read are taken over by a live one', async () => {
    const gateway = await survivor({ USAGE_CLAIM_IDLE_MS: 1 });
    const client = new Redis(TEST_REDIS_URL);
    const limiter = new RedisLimiter({ redis: client, prefix, ownsClient: true });
    try {
      const writer = new RedisUsageJournal({ limiter, redis: client, prefix, consumer: 'dead', claimIdleMs: 60_000 });
      const dup = `dup_${id}`;
      await writer.append(row(dup), null);
      await writer.append(row(dup), null); // at-least-once: the same row can arrive twice
      // The "dead" replica reads two more entries and dies before writing them (never acknowledges).
      await writer.append(row(`orphan1_${id}`), null);
      await writer.append(row(`orphan2_${id}`), null);
      const taken = await writer.read(100);
      expect(taken.rows.map((r) => r.requestId)).toEqual([dup, dup, `orphan1_${id}`, `orphan2_${id}`]);
      // The live gateway claims the dead consumer's unacknowledged entries (idle > 1 ms) and writes them.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await gateway.deps.usage.flush();
      const rows = (
        await db.query<{ request_id: string }>(
          `SELECT request_id FROM "${schema}".usage WHERE key_id = 'key_journal' ORDER BY request_id`,
        )
      ).rows.map((r) => r.request_id);
      expect(rows).toEqual([dup, `orphan1_${id}`, `orphan2_${id}`]);
      // Acknowledged entries are deleted: the journal holds only what is not yet stored.
      expect(await client.xlen(writer.key)).toBe(0);
    } finally {
      await limiter.close();
      await gateway.close();
    }
  });
});
