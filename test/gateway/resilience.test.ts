// Failure handling: connect failures move to another upstream, models route to the upstream that has them,
// an unreachable limiter follows LIMITS_FAIL_MODE, and a store outage keeps cached keys working and
// buffers usage until the store is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  defaultModels,
  startOllamaUpstream,
  makeModel,
  type OllamaUpstream,
} from '../fixtures/ollama-upstream/index.js';
import { startHarness } from '../support/harness.js';
import { configFrom } from '../../gateway/src/config.js';
import { startGateway } from '../../gateway/src/server.js';
import { SqliteStore } from '../../gateway/src/store/sqlite.js';
import { MemoryLimiter } from '../../gateway/src/limits/memory.js';
import { MemorySharedCache } from '../../gateway/src/shared/memory.js';
import type { Store } from '../../gateway/src/store/types.js';

const chat = (url: string, key: string, model: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('several upstreams', () => {
  let a: OllamaUpstream;
  let b: OllamaUpstream;
  beforeAll(async () => {
    a = await startOllamaUpstream();
    b = await startOllamaUpstream({ models: [...defaultModels(), makeModel('only-on-b:1b')] });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('retries a refused connection on the next upstream and stays ready', async () => {
    const h = await startHarness({
      kind: 'embedded',
      upstream: a,
      env: { OLLAMA_URLS: `http://127.0.0.1:9,${a.url}` },
    });
    try {
      const { key } = await h.createKey({ rpm: 1000 });
      for (let i = 0; i < 5; i += 1) expect((await chat(h.url, key, a.models[0]!.name)).status).toBe(200);
      const ready = (await (await fetch(`${h.url}/health/ready`)).json()) as { status: string };
      expect(ready.status).toBe('ready');
    } finally {
      await h.close();
    }
  });

  it('answers 503 naming the upstreams by id (never by URL) when none can be reached', async () => {
    const h = await startHarness({ kind: 'embedded', upstream: a });
    try {
      const { key } = await h.createKey();
      await chat(h.url, key, a.models[0]!.name); // catalog cached while the upstream is up
      const dead = await startGateway(h.config({ OLLAMA_URLS: 'http://127.0.0.1:9', INSTANCE_ID: 'dead' }));
      try {
        const response = await chat(dead.url, key, a.models[0]!.name);
        expect(response.status).toBe(503);
        const { message } = ((await response.json()) as { error: { message: string } }).error;
        expect(message).toContain('upstream 1: ECONNREFUSED');
        expect(message).not.toContain('127.0.0.1:9');
      } finally {
        await dead.close();
      }
    } finally {
      await h.close();
    }
  });

  it('routes a model to the upstream that has it', async () => {
    const h = await startHarness({ kind: 'embedded', upstream: a, env: { OLLAMA_URLS: `${a.url},${b.url}` } });
    try {
      const { key } = await h.createKey({ rpm: 1000 });
      a.reset();
      b.reset();
      for (let i = 0; i < 4; i += 1) expect((await chat(h.url, key, 'only-on-b:1b')).status).toBe(200);
      expect(a.stats.requests['POST /v1/chat/completions'] ?? 0).toBe(0);
      expect(b.stats.requests['POST /v1/chat/completions']).toBe(4);
    } finally {
      await h.close();
    }
  });
});

describe('limiter unreachable', () => {
  it.each([
    ['open', 200],
    ['closed', 503],
  ] as const)('LIMITS_FAIL_MODE=%s answers %i', async (mode, status) => {
    const h = await startHarness({ kind: 'pg+redis', env: { LIMITS_FAIL_MODE: mode } });
    try {
      const { key } = await h.createKey();
      const model = h.upstream.models[0]!.name;
      expect((await chat(h.url, key, model)).status).toBe(200);
      await h.gateways[0]!.deps.limiter.close(); // the limiter's connection is gone for good
      expect((await chat(h.url, key, model)).status).toBe(status);
      const metrics = await (await h.admin('GET', '/metrics')).text();
      expect(metrics).toMatch(/llmgw_limiter_errors_total\{[^}]*\} 1/);
    } finally {
      await h.close();
    }
  });
});

/** A store whose every call fails while `down` is set, like a database that went away. */
function flaky(store: Store): Store & { down: boolean } {
  const wrapper = { down: false } as Store & { down: boolean };
  for (const name of [
    'migrate',
    'schemaVersion',
    'createKey',
    'findKeyByHash',
    'getKey',
    'listKeys',
    'countKeys',
    'revokeKey',
    'rotateKey',
    'recordUsage',
    'usageSummary',
    'latencyPercentiles',
    'ping',
    'close',
  ] as const) {
    (wrapper as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      wrapper.down && name !== 'close'
        ? Promise.reject(new Error('connection refused'))
        : (store[name] as (...a: unknown[]) => Promise<unknown>).apply(store, args);
  }
  Object.defineProperty(wrapper, 'kind', { value: store.kind });
  return wrapper;
}

describe('store outage', () => {
  it('keeps cached keys working, refuses unknown keys with 503, buffers usage and writes it later', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-'));
    const upstream = await startOllamaUpstream();
    const inner = new SqliteStore({ path: path.join(dir, 'gw.db') });
    await inner.migrate();
    const store = flaky(inner);
    const gateway = await startGateway(
      configFrom({
        PORT: 0,
        OLLAMA_URLS: upstream.url,
        ADMIN_TOKEN: 'a'.repeat(32),
        LOG_LEVEL: 'silent',
        KEY_CACHE_TTL_MS: 1,
        USAGE_FLUSH_INTERVAL_MS: 50,
      }),
      { backends: { store, limiter: new MemoryLimiter(), shared: new MemorySharedCache() } },
    );
    try {
      const admin = { authorization: `Bearer ${'a'.repeat(32)}`, 'content-type': 'application/json' };
      const create = async () =>
        (
          (await (
            await fetch(`${gateway.url}/admin/keys`, { method: 'POST', headers: admin, body: '{"name":"x"}' })
          ).json()) as { key: string }
        ).key;
      const cached = await create();
      const unseen = await create();
      const model = upstream.models[0]!.name;
      expect((await chat(gateway.url, cached, model)).status).toBe(200);
      await gateway.deps.usage.flush();

      store.down = true;
      for (let i = 0; i < 3; i += 1) expect((await chat(gateway.url, cached, model)).status).toBe(200);
      const refused = await chat(gateway.url, unseen, model);
      expect(refused.status).toBe(503);
      expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(gateway.deps.usage.pending).toBe(3);

      store.down = false;
      await gateway.deps.usage.flush();
      expect(gateway.deps.usage.pending).toBe(0);
      const summary = await inner.usageSummary({
        from: new Date(Date.now() - 60_000),
        to: new Date(Date.now() + 1000),
      });
      expect(summary.reduce((n, row) => n + row.requests, 0)).toBe(4);
    } finally {
      await gateway.close();
      await upstream.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
