// One behaviour suite for both SharedCache implementations (TTL values, broadcast), where the Redis variant runs
// as two separate instances (two replicas); plus Redis-only checks: prefixes, fail-fast offline, resubscribe.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/support/services.js';
import { MemorySharedCache } from './memory.js';
import { RedisSharedCache } from './redis.js';
import { closeRedis, createRedis, waitForReady } from './redis-connection.js';
import type { SharedCache } from './types.js';

const PREFIX = `llmgw-test-${randomUUID().slice(0, 8)}:`;
const opened: SharedCache[] = [];

afterAll(async () => {
  const redis = createRedis(TEST_REDIS_URL, { name: 'llmgw-cache-test-cleanup' });
  await waitForReady(redis, 5000);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await closeRedis(redis);
  await Promise.all(opened.map((c) => c.close()));
});

function track<T extends SharedCache>(cache: T): T {
  opened.push(cache);
  return cache;
}

/** A message queue with a wait-for-next helper. */
function inbox() {
  const messages: string[] = [];
  const waiters: (() => void)[] = [];
  return {
    messages,
    handler: (m: string) => {
      messages.push(m);
      waiters.splice(0).forEach((w) => w());
    },
    async waitFor(count: number, timeoutMs = 1000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} messages within ${timeoutMs} ms, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two "replicas": separate Redis instances, or the one in-process cache (embedded mode is a single process). */
const implementations: [string, () => Promise<[SharedCache, SharedCache]>][] = [
  [
    'memory',
    async () => {
      const c = track(new MemorySharedCache());
      return [c, c];
    },
  ],
  [
    'redis',
    async () => {
      const a = track(new RedisSharedCache({ url: TEST_REDIS_URL, prefix: PREFIX, name: 'llmgw-cache-test-a' }));
      const b = track(new RedisSharedCache({ url: TEST_REDIS_URL, prefix: PREFIX, name: 'llmgw-cache-test-b' }));
      await Promise.all([a.ping(), b.ping()]);
      return [a, b];
    },
  ],
];

describe.each(implementations)('SharedCache (%s)', (_name, make) => {
  it('gets, sets, overwrites and deletes values, visible to the other replica', async () => {
    const [a, b] = await make();
    const key = `k-${randomUUID()}`;
    expect(await a.get(key)).toBeNull();
    await a.set(key, 'one', 60);
    expect(await b.get(key)).toBe('one');
    await b.set(key, 'two', 60);
    expect(await a.get(key)).toBe('two');
    await a.del(key);
    expect(await b.get(key)).toBeNull();
    await a.del(key); // deleting a missing key is fine
  });

  it('expires values after their TTL', async () => {
    const [a, b] = await make();
    const key = `ttl-${randomUUID()}`;
    await a.set(key, 'short', 0.2);
    await a.set(`${key}-long`, 'long', 60);
    expect(await b.get(key)).toBe('short');
    await sleep(350);
    expect(await b.get(key)).toBeNull();
    expect(await b.get(`${key}-long`)).toBe('long');
    await expect(a.set(key, 'x', 0)).rejects.toThrow(RangeError);
  });

  it('delivers a publish to subscribers on the other replica and in the same process', async () => {
    const [a, b] = await make();
    const channel = `ch-${randomUUID()}`;
    const remote = inbox();
    const local = inbox();
    const other = inbox();
    await b.subscribe(channel, remote.handler);
    await a.subscribe(channel, local.handler);
    await b.subscribe(`${channel}-other`, other.handler);
    await a.publish(channel, 'revoke:1');
    await a.publish(channel, 'revoke:2');
    await Promise.all([remote.waitFor(2), local.waitFor(2)]);
    expect(remote.messages).toEqual(['revoke:1', 'revoke:2']);
    expect(local.messages).toEqual(['revoke:1', 'revoke:2']);
    expect(other.messages).toEqual([]);
  });

  it('stops delivery after unsubscribe, leaving other subscriptions alone', async () => {
    const [a, b] = await make();
    const channel = `ch-${randomUUID()}`;
    const gone = inbox();
    const kept = inbox();
    const unsubscribe = await b.subscribe(channel, gone.handler);
    await b.subscribe(channel, kept.handler);
    await a.publish(channel, 'first');
    await Promise.all([gone.waitFor(1), kept.waitFor(1)]);
    await unsubscribe();
    await unsubscribe(); // idempotent
    await a.publish(channel, 'second');
    await kept.waitFor(2);
    expect(gone.messages).toEqual(['first']);

    const last = inbox();
    const unsubscribeLast = await b.subscribe(`${channel}-solo`, last.handler);
    await unsubscribeLast();
    await a.publish(`${channel}-solo`, 'nobody');
    await a.publish(channel, 'third'); // ordered after 'nobody' on the same connections
    await kept.waitFor(3);
    expect(last.messages).toEqual([]);
  });

  it('answers ping', async () => {
    const [a] = await make();
    await expect(a.ping()).resolves.toBeUndefined();
  });

  it('reports a delivery epoch once subscribed, unchanged while nothing is missed', async () => {
    const [a, b] = await make();
    const got = inbox();
    await b.subscribe(`ch-${randomUUID()}`, got.handler);
    const epoch = b.deliveryEpoch();
    expect(epoch).not.toBeNull();
    await a.publish('anything', 'x');
    expect(b.deliveryEpoch()).toBe(epoch);
  });
});

describe('RedisSharedCache connections', () => {
  it('keeps prefixes apart', async () => {
    const a = track(new RedisSharedCache({ url: TEST_REDIS_URL, prefix: `${PREFIX}a:` }));
    const b = track(new RedisSharedCache({ url: TEST_REDIS_URL, prefix: `${PREFIX}b:` }));
    await Promise.all([a.ping(), b.ping()]);
    await a.set('same', 'a', 60);
    expect(await b.get('same')).toBeNull();
  });

  it('fails fast instead of hanging while Redis is unreachable', async () => {
    const down = new RedisSharedCache({ url: 'redis://127.0.0.1:1', prefix: PREFIX });
    expect(down.deliveryEpoch()).toBeNull(); // nothing subscribed, nothing delivered
    // Not timed: ioredis's own refusal (no offline queue) proves the command was not queued to wait for a connection.
    await expect(down.get('x')).rejects.toThrow(/enableOfflineQueue/);
    await expect(down.publish('c', 'm')).rejects.toThrow(/enableOfflineQueue/);
    await down.close();
  });

  it('reconnects and re-subscribes after the connections are killed', async () => {
    const name = `llmgw-cache-test-${randomUUID().slice(0, 8)}`;
    let resubscribed = 0;
    const a = track(
      new RedisSharedCache({ url: TEST_REDIS_URL, prefix: PREFIX, name, onResubscribe: () => resubscribed++ }),
    );
    const b = track(new RedisSharedCache({ url: TEST_REDIS_URL, prefix: PREFIX }));
    await Promise.all([a.ping(), b.ping()]);
    const channel = `ch-${randomUUID()}`;
    const got = inbox();
    await a.subscribe(channel, got.handler);
    const epochBefore = a.deliveryEpoch();
    expect(epochBefore).not.toBeNull();

    // Kill only this test's two connections (other suites share the server).
    const admin = createRedis(TEST_REDIS_URL, { name: 'llmgw-cache-test-admin' });
    await waitForReady(admin, 5000);
    const list = (await admin.client('LIST')) as string;
    const ids = list
      .split('\n')
      .filter((line) => line.includes(` name=${name}`))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    expect(ids).toHaveLength(2);
    for (const id of ids) await admin.client('KILL', 'ID', id);
    await closeRedis(admin);

    const deadline = Date.now() + 5000;
    while (resubscribed === 0 && Date.now() < deadline) await sleep(20);
    expect(resubscribed).toBe(1);
    // Messages published while it was down are lost: the epoch says so (a reader of the epoch must not trust what
    // it learnt from the channel before the outage as complete).
    expect(a.deliveryEpoch()).not.toBeNull();
    expect(a.deliveryEpoch()).not.toBe(epochBefore);
    // The re-SUBSCRIBE is sent right after 'ready'; publish until it lands.
    while (got.messages.length === 0 && Date.now() < deadline) {
      await b.publish(channel, 'after-restart');
      await sleep(50);
    }
    expect(got.messages[0]).toBe('after-restart');
    await a.ping(); // the command connection is back too
  });
});
