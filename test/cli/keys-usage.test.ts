// `llm-gateway keys show|rotate` and `llm-gateway usage` as processes, on both stores (embedded SQLite and real
// PostgreSQL): rotation keeps the limits and leaves the old key valid for the grace period only; usage reports
// the rows the gateway recorded with totals and nearest-rank latency percentiles.
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../gateway/src/index.js';
import { TEST_DATABASE_URL, requireServices } from '../support/services.js';
import { assertBuilt, runCli, tempHome } from './run-cli.js';

interface KeyJson {
  id: string;
  name: string;
  status: string;
  rpm: number | null;
  models: string[] | null;
  expires_at: string | null;
  replaced_by: string | null;
}

const stores = [
  { kind: 'sqlite', env: (home: string) => ({ SQLITE_PATH: path.join(home, 'gateway.db') }) },
  {
    kind: 'postgres',
    env: (_home: string, schema: string) => ({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema }),
  },
] as const;

describe.each(stores)('keys and usage on $kind', { timeout: 120_000 }, ({ kind, env: envOf }) => {
  const home = tempHome();
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const env: NodeJS.ProcessEnv = { LLMGW_HOME: home.home, ...envOf(home.home, schema) };
  let store: Store;

  beforeAll(async () => {
    assertBuilt();
    if (kind === 'postgres') await requireServices();
    store = await openStore(
      kind === 'sqlite' ? { sqlitePath: env.SQLITE_PATH! } : { sqlitePath: '', databaseUrl: TEST_DATABASE_URL, schema },
    );
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    if (kind === 'postgres') {
      const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await db.connect();
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    }
    home.remove();
  });

  it('show prints a key; rotate issues a successor with the same limits and a grace period for the old one', async () => {
    const created = await runCli(['keys', 'create', '--name', 'app', '--rpm', '7', '--models', 'a,b', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as KeyJson & { key: string };

    const shown = await runCli(['keys', 'show', key.id, '--json'], env);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: key.id, name: 'app', rpm: 7, models: ['a', 'b'] });

    const before = Date.now();
    const rotated = await runCli(['keys', 'rotate', key.id, '--grace-hours', '2', '--json'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const next = JSON.parse(rotated.stdout) as KeyJson & { key: string; previous: KeyJson };
    expect(next.id).not.toBe(key.id);
    expect(next.key).toMatch(/^llmgw_/);
    expect(next).toMatchObject({ name: 'app', rpm: 7, models: ['a', 'b'], status: 'active', expires_at: null });
    expect(next.previous).toMatchObject({ id: key.id, status: 'active', replaced_by: next.id });
    const grace = Date.parse(next.previous.expires_at!) - before;
    expect(grace).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(grace).toBeLessThanOrEqual(2 * 3_600_000 + 60_000);
    // The store holds what the CLI said.
    expect((await store.getKey(key.id))!.replacedBy).toBe(next.id);
    expect((await store.getKey(next.id))!.rpm).toBe(7);

    await store.revokeKey(next.id, new Date());
    const refused = await runCli(['keys', 'rotate', next.id], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is revoked');
    const unknown = await runCli(['keys', 'show', 'key_nope'], env);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toContain("No key with id 'key_nope'.");
  });

  it('usage reports the recorded rows with totals and nearest-rank percentiles', async () => {
    const keyA = await store.createKey({
      id: `key_${randomUUID().replaceAll('-', '')}`,
      name: 'usage-a',
      hash: randomBytes(32).toString('hex'),
      prefix: 'llmgw_aaaa0000',
      models: null,
      rpm: null,
      tpm: null,
      maxConcurrent: null,
      allowedIps: null,
      expiresAt: null,
    });
    const at = new Date(Date.now() - 3_600_000);
    const rows = Array.from({ length: 10 }, (_, i) => ({
      requestId: randomUUID(),
      keyId: keyA.id,
      model: i < 8 ? 'llama3.2:1b' : 'qwen2.5:0.5b',
      endpoint: '/v1/chat/completions',
      promptTokens: 10,
      completionTokens: 5,
      status: i === 9 ? 502 : 200,
      outcome: i === 9 ? ('error' as const) : ('ok' as const),
      latencyMs: (i + 1) * 10,
      replica: 'test',
      createdAt: at,
    }));
    await store.recordUsage(rows);

    const json = await runCli(['usage', '--from', '2h', '--key', keyA.id, '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as {
      totals: Record<string, number>;
      rows: Array<{ model: string; requests: number; keyName: string; p95LatencyMs: number }>;
    };
    expect(report.totals).toMatchObject({
      requests: 10,
      errors: 1,
      promptTokens: 100,
      completionTokens: 50,
      errorRate: 0.1,
      p50LatencyMs: 50,
      p95LatencyMs: 100,
      p99LatencyMs: 100,
    });
    const llama = report.rows.find((r) => r.model === 'llama3.2:1b')!;
    expect(llama).toMatchObject({ requests: 8, keyName: 'usage-a', p95LatencyMs: 80 });

    const byModel = await runCli(['usage', '--from', '2h', '--model', 'qwen2.5:0.5b'], { ...env, COLUMNS: '200' });
    expect(byModel.code, byModel.stderr).toBe(0);
    const lines = byModel.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^KEY\s+MODEL\s+REQUESTS\s+ERRORS\s+PROMPT TOK\s+COMPL TOK\s+AVG\s+P50\s+P95$/);
    expect(lines[2]).toMatch(/^usage-a\s+qwen2\.5:0\.5b\s+2\s+1\s+20\s+10\s+95 ms\s+90 ms\s+100 ms$/);
    expect(lines.at(-1)).toBe('2 requests, 50.0% errors, 30 tokens; latency p50 90 ms · p95 100 ms · p99 100 ms');

    const outside = await runCli(['usage', '--from', '7d', '--to', '3h', '--key', keyA.id, '--json'], env);
    expect((JSON.parse(outside.stdout) as { totals: { requests: number } }).totals.requests).toBe(0);

    const backwards = await runCli(['usage', '--from', '1h', '--to', '2h'], env);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toMatch(/--from .* must be before --to/);
    const bad = await runCli(['usage', '--from', 'yesterday'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe(
      "llm-gateway: Option '--from <when>' argument 'yesterday' is invalid. It must be an ISO date (2026-05-01), `now`, or an age like 24h or 7d.",
    );
  });
});
