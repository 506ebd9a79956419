// SIGTERM to a real gateway process mid-stream: the stream completes, new connections are refused,
// the usage row is flushed to PostgreSQL, and the process exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { TEST_DATABASE_URL } from '../support/services.js';

const CLI = path.resolve('bin/llm-gateway.js');

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  return port;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
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

describe('graceful shutdown of a gateway process', () => {
  let upstream: OllamaUpstream;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL });

  beforeAll(async () => {
    upstream = await startOllamaUpstream();
    await db.connect();
  });
  afterAll(async () => {
    await upstream.close();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  });

  it('finishes the in-flight stream, flushes its usage row, refuses new connections, exits 0', async () => {
    const port = await freePort();
    const adminToken = randomBytes(24).toString('hex');
    let output = '';
    const child = spawn(process.execPath, [CLI, 'gateway'], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        OLLAMA_URLS: upstream.url,
        ADMIN_TOKEN: adminToken,
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        USAGE_FLUSH_INTERVAL_MS: '60000', // only the shutdown flush can write the row
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHealth(url, child, () => output);
      const created = await fetch(`${url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'shutdown' }),
      });
      const { key } = (await created.json()) as { key: string };
      upstream.behaviour = { ...upstream.behaviour, chunks: 30, chunkDelayMs: 30 };
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: upstream.models[0]!.name,
          messages: [{ role: 'user', content: 'hi' }],
          stream: true,
        }),
      });
      const reader = response.body!.getReader();
      let text = new TextDecoder().decode((await reader.read()).value);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expect(fetch(`${url}/health`)).rejects.toThrow();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      const [code] = await exited;
      expect(code, output).toBe(0);
      const rows = (await db.query(`SELECT outcome, completion_tokens FROM "${schema}".usage`)).rows;
      expect(rows).toEqual([{ outcome: 'ok', completion_tokens: 30 }]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
