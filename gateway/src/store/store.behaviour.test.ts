// One behaviour suite for both Store implementations, against a real PostgreSQL and a real SQLite file.
// Each Postgres test gets its own schema (dropped afterwards) so files and tests can run in parallel.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../../test/support/services.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { NewKey, Store, UsageRow } from './types.js';

interface Opened {
  store: Store;
  cleanup(): Promise<void>;
}

async function dropSchema(schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}

const freshSchema = () => `t_${randomBytes(6).toString('hex')}`;

const backends: { name: string; open(): Opened }[] = [
  {
    name: 'postgres',
    open() {
      const schema = freshSchema();
      const store = new PostgresStore({ connectionString: TEST_DATABASE_URL, schema, poolSize: 3 });
      return { store, cleanup: async () => (await store.close(), await dropSchema(schema)) };
    },
  },
  {
    name: 'sqlite',
    open() {
      const dir = mkdtempSync(path.join(tmpdir(), 'llmgw-store-'));
      const store = new SqliteStore({ path: path.join(dir, 'gw.db') });
      return { store, cleanup: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  },
];

const T0 = new Date('2025-03-01T12:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function newKey(n: string, over: Partial<NewKey> = {}): NewKey {
  return {
    id: `key_${n}`,
    name: `Key ${n}`,
    hash: `${n}`.padEnd(64, 'a'),
    prefix: `llmgw_${n}`,
    models: null,
    rpm: null,
    tpm: null,
    maxConcurrent: null,
    allowedIps: null,
    expiresAt: null,
    ...over,
  };
}

function usage(requestId: string, over: Partial<UsageRow> = {}): UsageRow {
  return {
    requestId,
    keyId: 'key_a',
    model: 'llama3',
    endpoint: '/v1/chat/completions',
    promptTokens: 10,
    completionTokens: 20,
    status: 200,
    outcome: 'ok',
    latencyMs: 100,
    replica: 'r1',
    createdAt: at(0),
    ...over,
  };
}

describe.each(backends)('Store behaviour: $name', (backend) => {
  let opened: Opened[] = [];
  let store: Store;
  const open = () => {
    const o = backend.open();
    opened.push(o);
    return o.store;
  };

  beforeEach(async () => {
    store = open();
    await store.migrate();
  });
  afterEach(async () => {
    await Promise.all(opened.map((o) => o.cleanup()));
    opened = [];
  });

  it('reports kind, version 0 before migrating and the latest after; migrate is idempotent', async () => {
    expect(store.kind).toBe(backend.name);
    const fresh = open();
    expect(await fresh.schemaVersion()).toBe(0);
    await fresh.migrate();
    expect(await fresh.schemaVersion()).toBe(LATEST_VERSION);
    await store.createKey(newKey('a'));
    await store.migrate();
    await store.migrate();
    expect(await store.schemaVersion()).toBe(LATEST_VERSION);
    expect(await store.countKeys()).toBe(1);
  });

  it('creates keys and finds them by hash and id; lists and counts them', async () => {
    const created = await store.createKey(newKey('a', { rpm: 60, tpm: 1000, maxConcurrent: 4, expiresAt: at(3600) }));
    expect(created).toMatchObject({
      id: 'key_a',
      name: 'Key a',
      prefix: 'llmgw_a',
      rpm: 60,
      tpm: 1000,
      maxConcurrent: 4,
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.expiresAt).toEqual(at(3600));
    expect(created).toMatchObject({ revokedAt: null, lastUsedAt: null, replacedBy: null });
    await store.createKey(newKey('b'));
    expect(await store.findKeyByHash(created.hash)).toEqual(created);
    expect(await store.getKey('key_a')).toEqual(created);
    expect(await store.findKeyByHash('f'.repeat(64))).toBeNull();
    expect(await store.getKey('nope')).toBeNull();
    expect((await store.listKeys()).map((k) => k.id)).toEqual(['key_a', 'key_b']);
    expect(await store.countKeys()).toBe(2);
    await expect(store.createKey(newKey('c', { hash: created.hash }))).rejects.toThrow();
    expect(await store.countKeys()).toBe(2);
  });

  it('round-trips models: null (all), a list, and an empty list (none) stay distinct', async () => {
    await store.createKey(newKey('a', { models: null }));
    await store.createKey(newKey('b', { models: ['llama3', 'qwen2.5:7b'] }));
    await store.createKey(newKey('c', { models: [] }));
    expect((await store.getKey('key_a'))?.models).toBeNull();
    expect((await store.getKey('key_b'))?.models).toEqual(['llama3', 'qwen2.5:7b']);
    expect((await store.getKey('key_c'))?.models).toEqual([]);
  });

  it('round-trips allowed_ips (null = anywhere) and updates them in place; a revoked or unknown key is not updated', async () => {
    await store.createKey(newKey('a'));
    await store.createKey(newKey('b', { allowedIps: ['127.0.0.2', '10.0.0.0/8', 'fd00::/8'] }));
    expect((await store.getKey('key_a'))?.allowedIps).toBeNull();
    expect((await store.getKey('key_b'))?.allowedIps).toEqual(['127.0.0.2', '10.0.0.0/8', 'fd00::/8']);
    const updated = await store.updateKey('key_a', { allowedIps: ['::1'] });
    expect(updated).toMatchObject({ id: 'key_a', allowedIps: ['::1'] });
    expect(await store.findKeyByHash(updated!.hash)).toEqual(updated);
    expect((await store.updateKey('key_b', { allowedIps: null }))?.allowedIps).toBeNull();
    expect((await store.updateKey('key_b', {}))?.allowedIps).toBeNull();
    await store.revokeKey('key_a', at(0));
    expect(await store.updateKey('key_a', { allowedIps: null })).toBeNull();
    expect((await store.getKey('key_a'))?.allowedIps).toEqual(['::1']);
    expect(await store.updateKey('nope', { allowedIps: null })).toBeNull();
  });

  it('keeps the response-cache setting (default off) and changes it in place without touching allowed_ips', async () => {
    expect((await store.createKey(newKey('a'))).cache).toBe(false);
    expect((await store.createKey(newKey('b', { cache: true, allowedIps: ['::1'] }))).cache).toBe(true);
    expect(await store.updateKey('key_a', { cache: true })).toMatchObject({ cache: true, allowedIps: null });
    expect(await store.updateKey('key_b', { cache: false })).toMatchObject({ cache: false, allowedIps: ['::1'] });
    expect(await store.updateKey('key_b', { allowedIps: null })).toMatchObject({ cache: false, allowedIps: null });
    expect((await store.listKeys()).map((k) => k.cache)).toEqual([true, false]);
  });

  it('marks cached usage rows and sums them apart in the summary', async () => {
    await store.recordUsage([
      usage('c1', { promptTokens: 10, completionTokens: 20 }),
      usage('c2', { promptTokens: 0, completionTokens: 0, cachedTokens: 30 }),
      usage('c3', { promptTokens: 0, completionTokens: 0, cachedTokens: 0 }),
    ]);
    const [row] = await store.usageSummary({ from: at(0), to: at(60) });
    expect(row).toMatchObject({
      requests: 3,
      promptTokens: 10,
      completionTokens: 20,
      cachedRequests: 2,
      cachedTokens: 30,
    });
  });

  it('revokes a key, keeps the first revocation time, and returns null for an unknown key', async () => {
    await store.createKey(newKey('a'));
    const revoked = await store.revokeKey('key_a', at(10));
    expect(revoked?.revokedAt).toEqual(at(10));
    expect((await store.revokeKey('key_a', at(20)))?.revokedAt).toEqual(at(10));
    expect((await store.findKeyByHash(revoked!.hash))?.revokedAt).toEqual(at(10));
    expect(await store.revokeKey('nope', at(10))).toBeNull();
    expect(await store.countKeys()).toBe(1);
  });

  it('rotates a key: successor created, old key expires at the earlier of its expiry and the grace end', async () => {
    await store.createKey(newKey('a'));
    await store.createKey(newKey('b', { expiresAt: at(60) }));
    const r1 = await store.rotateKey('key_a', newKey('a2', { models: ['llama3'] }), at(300));
    expect(r1?.next).toMatchObject({ id: 'key_a2', models: ['llama3'], replacedBy: null, expiresAt: null });
    expect(r1?.old).toMatchObject({ id: 'key_a', replacedBy: 'key_a2', expiresAt: at(300) });
    expect(await store.getKey('key_a')).toEqual(r1?.old);
    expect(await store.findKeyByHash(newKey('a2').hash)).toEqual(r1?.next);
    const r2 = await store.rotateKey('key_b', newKey('b2'), at(300));
    expect(r2?.old).toMatchObject({ replacedBy: 'key_b2', expiresAt: at(60) });
  });

  it('refuses to rotate an unknown or revoked key and then creates nothing', async () => {
    await store.createKey(newKey('a'));
    await store.revokeKey('key_a', at(0));
    expect(await store.rotateKey('key_a', newKey('a2'), at(300))).toBeNull();
    expect(await store.rotateKey('nope', newKey('n2'), at(300))).toBeNull();
    expect(await store.countKeys()).toBe(1);
    expect((await store.getKey('key_a'))?.replacedBy).toBeNull();
  });

  it('rolls a rotation back when the successor cannot be inserted', async () => {
    await store.createKey(newKey('a'));
    await expect(store.rotateKey('key_a', newKey('dup', { hash: newKey('a').hash }), at(300))).rejects.toThrow();
    expect(await store.getKey('key_a')).toMatchObject({ expiresAt: null, replacedBy: null });
    expect(await store.countKeys()).toBe(1);
  });

  it('records a usage batch and summarises it by key and model with filters and a [from, to) range', async () => {
    await store.recordUsage([
      usage('r1', { promptTokens: 10, completionTokens: 1, latencyMs: 100 }),
      usage('r2', { promptTokens: 30, completionTokens: 3, latencyMs: 200.5, outcome: 'error', status: 502 }),
      usage('r3', { outcome: 'aborted', latencyMs: 300, createdAt: at(59) }),
      usage('r4', { model: 'qwen', promptTokens: 5, completionTokens: 5, latencyMs: 50 }),
      usage('r5', { keyId: 'key_b', promptTokens: 7, completionTokens: 8, latencyMs: 70 }),
      usage('r6', { createdAt: at(60) }), // at `to`: excluded
      usage('r7', { createdAt: at(-1) }), // before `from`: excluded
    ]);
    const range = { from: at(0), to: at(60) };
    const all = await store.usageSummary(range);
    expect(all).toHaveLength(3);
    expect(all[0]).toEqual({
      keyId: 'key_a',
      model: 'llama3',
      requests: 3,
      errors: 1,
      promptTokens: 50,
      completionTokens: 24,
      cachedRequests: 0,
      cachedTokens: 0,
      avgLatencyMs: expect.closeTo(200.1667, 3),
      p50LatencyMs: 200.5,
      p95LatencyMs: 300,
    });
    expect(all[1]).toEqual({
      keyId: 'key_a',
      model: 'qwen',
      requests: 1,
      errors: 0,
      promptTokens: 5,
      completionTokens: 5,
      cachedRequests: 0,
      cachedTokens: 0,
      avgLatencyMs: 50,
      p50LatencyMs: 50,
      p95LatencyMs: 50,
    });
    expect(all[2]).toMatchObject({ keyId: 'key_b', model: 'llama3', requests: 1, promptTokens: 7 });
    for (const row of all) for (const v of Object.values(row)) expect(typeof v).not.toBe('bigint');
    expect(typeof all[0]!.requests).toBe('number');

    expect((await store.usageSummary({ ...range, keyId: 'key_b' })).map((r) => r.keyId)).toEqual(['key_b']);
    expect((await store.usageSummary({ ...range, model: 'qwen' })).map((r) => r.model)).toEqual(['qwen']);
    expect(await store.usageSummary({ ...range, keyId: 'key_b', model: 'qwen' })).toEqual([]);
    const wide = await store.usageSummary({ from: at(-10), to: at(61) });
    expect(wide[0]).toMatchObject({ model: 'llama3', requests: 5 });
    expect(await store.usageSummary({ from: at(1000), to: at(2000) })).toEqual([]);
  });

  it('gives nearest-rank latency percentiles per group and over the whole range', async () => {
    // Latencies 1..100 ms in shuffled order, split over two models.
    const latencies = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    await store.recordUsage(
      latencies.map((latencyMs, i) => usage(`p${i}`, { latencyMs, model: i % 2 ? 'odd' : 'even' })),
    );
    const range = { from: at(0), to: at(60) };
    expect(await store.latencyPercentiles(range)).toEqual({ p50: 50, p95: 95, p99: 99 });
    const rows = await store.usageSummary(range);
    for (const row of rows) {
      const mine = latencies.filter((_, i) => (i % 2 ? 'odd' : 'even') === row.model).sort((a, b) => a - b);
      expect(row.p50LatencyMs).toBe(mine[Math.ceil(0.5 * mine.length) - 1]);
      expect(row.p95LatencyMs).toBe(mine[Math.ceil(0.95 * mine.length) - 1]);
    }
    expect(await store.latencyPercentiles({ ...range, model: 'none' })).toEqual({ p50: null, p95: null, p99: null });
  });

  it('does not double rows whose request id was already recorded (retried flush) or repeats in a batch', async () => {
    await store.recordUsage([usage('r1'), usage('r2')]);
    await store.recordUsage([usage('r2'), usage('r3'), usage('r3')]);
    await store.recordUsage([]);
    const [row] = await store.usageSummary({ from: at(0), to: at(1) });
    expect(row).toMatchObject({ requests: 3, promptTokens: 30 });
  });

  it('moves last_used_at to the newest row per key and never backwards', async () => {
    await store.createKey(newKey('a'));
    await store.createKey(newKey('b'));
    await store.createKey(newKey('c'));
    await store.recordUsage([
      usage('r1', { createdAt: at(5) }),
      usage('r2', { createdAt: at(9) }),
      usage('r3', { keyId: 'key_b', createdAt: at(3) }),
    ]);
    expect((await store.getKey('key_a'))?.lastUsedAt).toEqual(at(9));
    expect((await store.getKey('key_b'))?.lastUsedAt).toEqual(at(3));
    expect((await store.getKey('key_c'))?.lastUsedAt).toBeNull();
    await store.recordUsage([usage('r4', { createdAt: at(1) })]); // a late, older batch
    expect((await store.getKey('key_a'))?.lastUsedAt).toEqual(at(9));
  });

  it('writes nothing from a batch with a bad row, and stays usable afterwards', async () => {
    await store.createKey(newKey('a'));
    const noModel = usage('r2', { model: null as unknown as string });
    const badOutcome = usage('r3', { outcome: 'weird' as 'ok' });
    for (const bad of [noModel, badOutcome]) {
      await expect(store.recordUsage([usage('r1', { createdAt: at(5) }), bad])).rejects.toThrow();
    }
    expect(await store.usageSummary({ from: at(-100), to: at(100) })).toEqual([]);
    expect((await store.getKey('key_a'))?.lastUsedAt).toBeNull();
    await store.recordUsage([usage('r1')]);
    expect(await store.usageSummary({ from: at(-100), to: at(100) })).toHaveLength(1);
  });

  it('pings while open, and rejects after close (close is idempotent)', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
  });
});

describe('PostgresStore only', () => {
  it('lets three replicas migrate the same fresh schema at once: each migration is applied once', async () => {
    const schema = freshSchema();
    const stores = [1, 2, 3].map(() => new PostgresStore({ connectionString: TEST_DATABASE_URL, schema }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      for (const s of stores) expect(await s.schemaVersion()).toBe(LATEST_VERSION);
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      const r = await admin.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY 1`);
      await admin.end();
      expect(r.rows.map((x) => x.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await dropSchema(schema);
    }
  });

  it('rejects a schema name that is not a plain identifier', () => {
    expect(() => new PostgresStore({ connectionString: TEST_DATABASE_URL, schema: 'x"; drop' })).toThrow(/schema/);
  });
});
