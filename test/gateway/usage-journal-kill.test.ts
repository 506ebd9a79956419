// The usage journal's worst instant: a gateway process SIGKILLed right after the last bytes of an answer left it
// (test/fixtures/kill-after-answer/preload.mjs kills it inside the same res.end() call). The answer's usage row
// must already be in the Redis stream, with the tokens the client was told — for a whole answer, an OpenAI SSE
// stream and an Ollama NDJSON stream. Real Redis and PostgreSQL; the built CLI (npm run build).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRow } from '../../gateway/src/usage/redis-journal.js';
import type { UsageRow } from '../../gateway/src/store/types.js';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/services.js';

const CLI = path.resolve('bin/llm-gateway.js');
const PRELOAD = path.resolve('test/fixtures/kill-after-answer/preload.mjs');

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  return port;
}

interface Case {
  name: string;
  path: string;
  body: (model: string) => Record<string, unknown>;
  /** The total tokens the client was told, from the complete answer's text (throws if it is not complete). */
  tokensSeen: (text: string) => number;
}

const CASES: Case[] = [
  {
    name: 'a whole OpenAI answer',
    path: '/v1/chat/completions',
    body: (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] }),
    tokensSeen: (text) => (JSON.parse(text) as { usage: { total_tokens: number } }).usage.total_tokens,
  },
  {
    name: 'an OpenAI SSE stream',
    path: '/v1/chat/completions',
    body: (model) => ({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    }),
    tokensSeen: (text) => {
      const events = text.split('\n\n').filter((e) => e.startsWith('data: '));
      if (events.at(-1) !== 'data: [DONE]') throw new Error(`stream not complete: ${text.slice(-200)}`);
      const usage = events
        .slice(0, -1)
        .map((e) => JSON.parse(e.slice(6)) as { usage?: { total_tokens: number } })
        .find((e) => e.usage);
      return usage!.usage!.total_tokens;
    },
  },
  {
    name: 'an Ollama NDJSON stream',
    path: '/api/chat',
    body: (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] }),
    tokensSeen: (text) => {
      const last = JSON.parse(text.trim().split('\n').at(-1)!) as {
        done: boolean;
        prompt_eval_count: number;
        eval_count: number;
      };
      if (!last.done) throw new Error(`stream not complete: ${text.slice(-200)}`);
      return last.prompt_eval_count + last.eval_count;
    },
  },
];

describe('usage journal: SIGKILL right after the last byte of an answer', () => {
  let upstream: OllamaUpstream;
  const id = randomBytes(6).toString('hex');
  const schema = `t_${id}`;
  const prefix = `test:${id}:`;
  const redis = new Redis(TEST_REDIS_URL);
  const adminToken = randomBytes(24).toString('hex');

  beforeAll(async () => {
    upstream = await startOllamaUpstream();
    upstream.behaviour = { ...upstream.behaviour, chunks: 3 };
  });
  afterAll(async () => {
    await upstream.close();
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it.each(CASES)('$name: the killed process left its row in the stream', async (c) => {
    const port = await freePort();
    const instance = `victim-${randomBytes(3).toString('hex')}`;
    let output = '';
    const child = spawn(process.execPath, ['--import', PRELOAD, CLI, 'gateway'], {
      env: {
        PATH: process.env.PATH,
        OLLAMA_URLS: upstream.url,
        ADMIN_TOKEN: adminToken,
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: prefix,
        PORT: String(port),
        HOST: '127.0.0.1',
        INSTANCE_ID: instance,
        USAGE_FLUSH_INTERVAL_MS: '600000', // never drains: the row can only be in the journal
        LOG_LEVEL: 'warn',
        KILL_AFTER_ANSWER_PATH: c.path,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const url = `http://127.0.0.1:${port}`;
    let requestId: string;
    let tokens: number;
    try {
      for (let i = 0; ; i += 1) {
        if (child.exitCode !== null) throw new Error(`gateway exited early:\n${output}`);
        if (i >= 150) throw new Error(`gateway did not start:\n${output}`);
        const up = await fetch(`${url}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const created = await fetch(`${url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `kill-${c.path}` }),
      });
      const { key } = (await created.json()) as { key: string };
      const response = await fetch(`${url}${c.path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(c.body(upstream.models[0]!.name)),
      });
      expect(response.status).toBe(200);
      requestId = response.headers.get('x-request-id')!;
      tokens = c.tokensSeen(await response.text()); // the whole answer arrived before the kill
      const [, signal] = await exited;
      expect(signal, `the preload kills the gateway at the end of the answer:\n${output}`).toBe('SIGKILL');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }

    const entries = (await redis.xrange(`${prefix}usage:{journal}`, '-', '+')) as Array<[string, string[]]>;
    const rows: UsageRow[] = entries.map(([, fields]) => decodeRow(fields[fields.indexOf('r') + 1]!));
    const mine = rows.filter((r) => r.replica === instance);
    expect(mine.map((r) => r.requestId)).toEqual([requestId]);
    expect(mine[0]!.promptTokens + mine[0]!.completionTokens).toBe(tokens);
    expect(mine[0]).toMatchObject({ endpoint: c.path, status: 200, outcome: 'ok' });
  });
});
