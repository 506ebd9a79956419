// (npm run test:redis-cluster) The gateway on a real Redis Cluster (three masters + one replica on loopback, started here): slots agree with
// the server, three gateway instances keep the per-key RPM exactly, a revocation reaches each of them within 1 s,
// the model catalog is fetched once for all, the usage journal drains into PostgreSQL, and a master failover
// (CLUSTER FAILOVER on its replica) mid-load has the outcome the README states.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisClient, closeRedis, waitForReady } from '../../gateway/src/shared/redis-connection.js';
import { keySlot } from '../../gateway/src/shared/redis-slots.js';
import { RedisLimiter } from '../../gateway/src/limits/redis.js';
import type { Gateway } from '../../gateway/src/server.js';
import { startHarness, type Harness } from '../support/harness.js';
import { TEST_DATABASE_URL } from '../support/services.js';
import { revokeKey } from '../../main/cli/keys-command.js';
import { startRedisCluster, type TestRedisCluster } from '../support/redis-cluster.js';

let cluster: TestRedisCluster;

const clusterEnv = (): Record<string, string | number> => ({
  REDIS_URL: cluster.url,
  REDIS_CLUSTER: 'true',
  REDIS_CLUSTER_NODES: cluster.seeds,
  // Far past the test's length: a 401 after a revocation can only come from the invalidation channel.
  KEY_CACHE_TTL_MS: 600_000,
});

const chat = (gateway: Gateway, key: string, model: string) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });

async function limiterErrors(gateways: Gateway[]): Promise<number> {
  let total = 0;
  for (const gateway of gateways) total += (await gateway.deps.metrics.limiterErrors.get()).values[0]?.value ?? 0;
  return total;
}

/** A new key whose limiter keys live on the master listening on `port` (key ids are random: try until one does). */
async function keyOnMaster(h: Harness, port: number, body: Record<string, unknown>) {
  for (let i = 0; i < 60; i += 1) {
    const created = await h.createKey(body);
    const slot = keySlot(`${h.redisPrefix}rl:{${encodeURIComponent(created.id)}}:log`);
    if ((await cluster.masterOfSlot(slot)) === port) return created;
  }
  throw new Error(`no key landed on the master at :${port} in 60 tries`);
}

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describe('hash slots', () => {
  it('computes the slot Redis computes (CLUSTER KEYSLOT), hash tags included', async () => {
    const keys = [
      'llmgw:rl:{key_abc}:log',
      'llmgw:usage:{journal}',
      'llmgw:models:catalog:v2',
      'plain',
      '{}empty-tag',
      'a{}{b}',
      'x{y',
      'ключ{ü}',
      '',
    ];
    for (const key of keys) {
      expect(keySlot(key), key).toBe(Number(await cluster.masters[0]!.admin.call('CLUSTER', 'KEYSLOT', key)));
    }
  });

  it("keeps the limiter's four keys of one API key in one slot, and spreads API keys over the masters", async () => {
    const limiter = new RedisLimiter({
      redis: createRedisClient({ url: cluster.url, cluster: true, seeds: [] }),
      prefix: 'llmgw:',
    });
    try {
      const masters = new Set<number>();
      for (let i = 0; i < 30; i += 1) {
        const slots = new Set(limiter.keysFor(`key_${i}`).map(keySlot));
        expect(slots.size).toBe(1);
        masters.add(await cluster.masterOfSlot([...slots][0]!));
      }
      expect(masters.size).toBe(3);
    } finally {
      await limiter.close();
    }
  });
});

describe('three gateway instances on the cluster', () => {
  let h: Harness;
  let model: string;

  beforeAll(async () => {
    h = await startHarness({ kind: 'pg+redis', replicas: 3, env: clusterEnv() });
    model = h.upstream.models[0]!.name;
  });
  afterAll(() => h?.close());

  it('admits exactly RPM out of 200 concurrent requests spread over the instances, with no limiter error', async () => {
    const { key } = await h.createKey({ rpm: 60, tpm: 10_000_000 });
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(h.gateways[i % 3]!, key, model)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(140);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(await limiterErrors(h.gateways)).toBe(0); // enforced on the cluster, not admitted fail-open
  });

  it('holds the RPM for many keys at once (their slots on all three masters)', async () => {
    const keys = await Promise.all(
      Array.from({ length: 6 }, () => h.createKey({ rpm: 10, tpm: 10_000_000, max_concurrent: 100 })),
    );
    const responses = await Promise.all(
      keys.flatMap(({ key }) => Array.from({ length: 25 }, (_, i) => chat(h.gateways[i % 3]!, key, model))),
    );
    const perKey = keys.map((_, k) => responses.slice(k * 25, k * 25 + 25).filter((r) => r.status === 200).length);
    expect(perKey).toEqual([10, 10, 10, 10, 10, 10]);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(await limiterErrors(h.gateways)).toBe(0);
  });

  it('stops a revoked key on every instance within 1 s (invalidation over cluster pub/sub)', async () => {
    const { id, key } = await h.createKey();
    for (const gateway of h.gateways) expect((await chat(gateway, key, model)).status).toBe(200); // cached everywhere
    expect((await h.admin('DELETE', `/admin/keys/${id}`)).status).toBe(200);
    const revokedAt = Date.now();
    const seenAfter: number[] = [];
    for (const gateway of h.gateways) {
      for (;;) {
        const status = (await chat(gateway, key, model)).status;
        if (status === 401) break;
        expect(status).toBe(200);
        expect(Date.now() - revokedAt).toBeLessThan(1_000);
      }
      seenAfter.push(Date.now() - revokedAt);
    }
    console.log(`revocation seen by the 3 instances after ${seenAfter.join(', ')} ms`);
  });

  it('`keys revoke` (the CLI, straight on the store) reaches every instance through the cluster within 1 s', async () => {
    const { id, key } = await h.createKey();
    for (const gateway of h.gateways) expect((await chat(gateway, key, model)).status).toBe(200); // cached on each
    const env = { ...process.env };
    Object.assign(process.env, {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: h.schema!,
      REDIS_URL: cluster.url,
      REDIS_CLUSTER: 'true',
      REDIS_CLUSTER_NODES: cluster.seeds,
      REDIS_PREFIX: h.redisPrefix,
    });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const warn = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await revokeKey(id);
      expect(log).toHaveBeenCalledWith(expect.stringContaining(`revoked ${id}`));
      expect(warn).not.toHaveBeenCalled(); // the broadcast went out over the cluster
    } finally {
      log.mockRestore();
      warn.mockRestore();
      process.env = env;
    }
    for (const gateway of h.gateways) {
      await vi.waitFor(async () => expect((await chat(gateway, key, model)).status).toBe(401), {
        timeout: 1000,
        interval: 20,
      });
    }
  });

  it('shares the model catalog: Ollama is asked once for all instances, the list lives in the cluster', async () => {
    const { key } = await h.createKey();
    for (const gateway of h.gateways) await gateway.deps.catalog.invalidate();
    h.upstream.reset();
    for (const gateway of h.gateways) {
      const response = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
    }
    expect(h.upstream.stats.requests['GET /api/tags'] ?? 0).toBe(1);
    const redis = createRedisClient({ url: cluster.url, cluster: true, seeds: [] });
    try {
      await waitForReady(redis, 5_000);
      const cached = JSON.parse((await redis.get(`${h.redisPrefix}models:catalog:v2`)) ?? '[]') as unknown[];
      expect(cached.length).toBe(h.upstream.models.length);
    } finally {
      await closeRedis(redis);
    }
  });

  it('drains the usage journal (one stream in one slot) into PostgreSQL: one row per answer', async () => {
    const { id, key } = await h.createKey();
    for (let i = 0; i < 12; i += 1) expect((await chat(h.gateways[i % 3]!, key, model)).status).toBe(200);
    const rows = (await h.usageRows()).filter((row) => row.key_id === id);
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((row) => row.replica)).size).toBe(3);
    const redis = createRedisClient({ url: cluster.url, cluster: true, seeds: [] });
    try {
      await waitForReady(redis, 5_000);
      expect(await redis.xlen(`${h.redisPrefix}usage:{journal}`)).toBe(0); // acknowledged and deleted
    } finally {
      await closeRedis(redis);
    }
  });
});

interface Sample {
  at: number;
  status: number;
  ms: number;
}

/**
 * Steady load from 6 clients over the instances on one key whose slot the failing-over master serves, with
 * `CLUSTER FAILOVER` sent to `promote` after 1 s; the load stops 2 s after the promotion shows in CLUSTER SLOTS.
 */
async function failoverUnderLoad(h: Harness, key: string, model: string, promote: number) {
  // Warm up first (each instance's first answer pays for connections, the key and the model list), so the load
  // measured is steady before the failover starts.
  for (const gateway of h.gateways)
    for (let i = 0; i < 3; i += 1) await (await chat(gateway, key, model)).arrayBuffer();
  const samples: Sample[] = [];
  const started = Date.now();
  let stopAt = started + 15_000; // bound: the load ends by itself even if the failover never completes
  const client = async (n: number) => {
    for (let i = 0; Date.now() < stopAt; i += 1) {
      const t = Date.now();
      const response = await chat(h.gateways[(n + i) % h.gateways.length]!, key, model);
      await response.arrayBuffer();
      samples.push({ at: t - started, status: response.status, ms: Date.now() - t });
    }
  };
  const load = Promise.all(Array.from({ length: 6 }, (_, n) => client(n)));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const node = cluster.masters.concat(cluster.replica).find((n) => n.port === promote)!;
  const before = await limiterErrors(h.gateways);
  const failoverAt = Date.now() - started;
  expect(await node.admin.call('CLUSTER', 'FAILOVER')).toBe('OK');
  for (;;) {
    const role = String(await node.admin.info('replication'));
    if (role.includes('role:master')) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const promotedAt = Date.now() - started;
  stopAt = Date.now() + 2_000;
  await load;
  await cluster.waitStable();
  const errors = (await limiterErrors(h.gateways)) - before;
  const around = samples.filter((s) => s.at >= failoverAt - 100 && s.at <= promotedAt + 2_000);
  const outcome = {
    requests: samples.length,
    statuses: Object.fromEntries(
      [...new Set(samples.map((s) => s.status))].map((st) => [st, samples.filter((s) => s.status === st).length]),
    ),
    limiterErrors: errors,
    promotedAfterMs: promotedAt - failoverAt,
    slowestMsAroundFailover: Math.max(...around.map((s) => s.ms)),
    medianMs: samples.map((s) => s.ms).sort((a, b) => a - b)[Math.floor(samples.length / 2)],
    failedWindowMs: samples.some((s) => s.status !== 200)
      ? Math.max(...samples.filter((s) => s.status !== 200).map((s) => s.at + s.ms)) -
        Math.min(...samples.filter((s) => s.status !== 200).map((s) => s.at))
      : 0,
  };
  return { samples, outcome };
}

describe('a master failover (CLUSTER FAILOVER on its replica) mid-load', () => {
  it('LIMITS_FAIL_MODE=open: every request is answered 200; limits hold again after the promotion', async () => {
    const h = await startHarness({ kind: 'pg+redis', replicas: 3, env: clusterEnv() });
    try {
      const model = h.upstream.models[0]!.name;
      const master = cluster.masters[0]!.port;
      const { key } = await keyOnMaster(h, master, { rpm: 100_000, tpm: 100_000_000, max_concurrent: 100 });
      const { samples, outcome } = await failoverUnderLoad(h, key, model, cluster.replica.port);
      console.log(`failover, fail-open: ${JSON.stringify(outcome)}`);
      expect(samples.length).toBeGreaterThan(20);
      expect(samples.every((s) => s.status === 200)).toBe(true);
      expect(
        await cluster.masterOfSlot(keySlot(`${h.redisPrefix}rl:{${encodeURIComponent('probe')}}:log`)),
      ).toBeGreaterThan(0);
      // The promoted replica now serves the old master's slots, and the limiter enforces exactly there.
      const after = await keyOnMaster(h, cluster.replica.port, { rpm: 20, tpm: 10_000_000, max_concurrent: 100 });
      const before = await limiterErrors(h.gateways);
      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) => chat(h.gateways[i % 3]!, after.key, model)),
      );
      await Promise.all(responses.map((r) => r.arrayBuffer()));
      expect(responses.filter((r) => r.status === 200)).toHaveLength(20);
      expect(await limiterErrors(h.gateways)).toBe(before);
    } finally {
      await h.close();
    }
  }, 60_000);

  it('LIMITS_FAIL_MODE=closed: whatever fails is a 503 counted as a limiter error, and only while the failover runs', async () => {
    const h = await startHarness({
      kind: 'pg+redis',
      replicas: 3,
      env: { ...clusterEnv(), LIMITS_FAIL_MODE: 'closed' },
    });
    try {
      const model = h.upstream.models[0]!.name;
      // The replica was promoted above: fail back, so the original master is promoted this time.
      const master = cluster.replica.port;
      const { key } = await keyOnMaster(h, master, { rpm: 100_000, tpm: 100_000_000, max_concurrent: 100 });
      const { samples, outcome } = await failoverUnderLoad(h, key, model, cluster.masters[0]!.port);
      console.log(`failover, fail-closed: ${JSON.stringify(outcome)}`);
      expect(samples.length).toBeGreaterThan(20);
      expect(samples.filter((s) => s.status !== 200).every((s) => s.status === 503)).toBe(true);
      expect(samples.filter((s) => s.status === 503).length).toBe(outcome.limiterErrors);
      // The last second of load (after the promotion) is clean.
      const end = Math.max(...samples.map((s) => s.at));
      expect(samples.filter((s) => s.at > end - 1_000).every((s) => s.status === 200)).toBe(true);
    } finally {
      await h.close();
    }
  }, 60_000);
});
