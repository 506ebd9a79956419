// The gateway on a real Redis Cluster (three masters + one replica on loopback, started here): slots agree with
// the server, three gateway instances keep the per-key RPM exactly, a revocation reaches each of them within 1 s,
// the model catalog is fetched once for all, the usage journal drains into PostgreSQL, and a master failover
// (CLUSTER FAILOVER on its replica) mid-load has the outcome the README states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../gateway/src/config.js';
import { createRedisClient, closeRedis, waitForReady } from '../../gateway/src/shared/redis-connection.js';
import { keySlot } from '../../gateway/src/shared/redis-slots.js';
import { RedisLimiter } from '../../gateway/src/limits/redis.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startRedisCluster, type TestRedisCluster } from '../support/redis-cluster.js';

let cluster: TestRedisCluster;

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
    const limiter = new RedisLimiter({ redis: createRedisClient(cluster.url), prefix: 'llmgw:', ownsClient: true });
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

describe('config', () => {
  it('takes REDIS_CLUSTER with seed nodes and refuses settings that cannot work together', () => {
    const config = configFrom({ REDIS_URL: cluster.url, REDIS_CLUSTER: 'true', REDIS_CLUSTER_NODES: cluster.seeds });
    expect(config.REDIS_CLUSTER).toBe(true);
    expect(config.REDIS_CLUSTER_NODES).toHaveLength(2);
    expect(() => configFrom({ REDIS_CLUSTER: 'true' })).toThrow(/REDIS_CLUSTER: needs REDIS_URL/);
    expect(() => configFrom({ REDIS_URL: cluster.url, REDIS_CLUSTER_NODES: cluster.seeds })).toThrow(
      /set REDIS_CLUSTER=true/,
    );
    expect(() => configFrom({ REDIS_URL: `${cluster.url}/2`, REDIS_CLUSTER: 'true' })).toThrow(/only database 0/);
    expect(() => configFrom({ REDIS_URL: cluster.url, REDIS_CLUSTER: 'true', REDIS_CLUSTER_NODES: 'nohost' })).toThrow(
      /host:port/,
    );
  });
});
