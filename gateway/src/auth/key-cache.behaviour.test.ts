// The key cache's known set on a real Redis channel (SQLite store): with announced writes a hash outside the set is
// refused with no query while no broadcast can have been missed; after the subscriber connection drops (messages
// lost) it looks up again until a rebuild has read the store; messages that are not key hashes are ignored.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/support/services.js';
import { newKeyFrom } from '../../../test/support/new-key.js';
import { SqliteStore } from '../store/sqlite.js';
import { RedisSharedCache } from '../shared/redis.js';
import { closeRedis, createRedis, waitForReady } from '../shared/redis-connection.js';
import { generateKey } from './keys.js';
import { KEY_INVALIDATION_CHANNEL, KeyCache } from './key-cache.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyCache on a Redis channel (announced writes)', () => {
  let dir: string;
  let store: SqliteStore;
  let shared: RedisSharedCache;
  let cache: KeyCache;
  let lookups = 0;
  const name = `llmgw-keycache-${randomUUID().slice(0, 8)}`;
  const prefix = `test:${name}:`;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-keycache-redis-'));
    store = new SqliteStore({ path: path.join(dir, 'gw.db') });
    await store.migrate();
    const find = store.findKeyByHash.bind(store);
    store.findKeyByHash = (hash) => ((lookups += 1), find(hash));
    shared = new RedisSharedCache({ url: TEST_REDIS_URL, prefix, name, onResubscribe: () => cache.clear() });
    await shared.ping();
    cache = new KeyCache({
      store,
      shared,
      log: pino({ level: 'silent' }),
      ttlMs: 60_000,
      staleMaxMs: 0,
      unknownLookupsPerS: 1000,
      refreshMs: 0,
      announcedWrites: true,
    });
    await cache.start();
    lookups = 0;
  });
  afterEach(async () => {
    await cache.stop();
    await shared.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function writeUnannounced(): Promise<string> {
    const g = generateKey();
    await store.createKey(newKeyFrom(g, { name: 'unannounced' }));
    return g.hash;
  }

  it('refuses a hash outside the known set with no lookup; after a subscriber outage looks up until the rebuild', async () => {
    expect(await cache.resolve(await writeUnannounced())).toBeNull();
    expect(lookups).toBe(0);

    // Hold the rebuild that the reconnect triggers, so the window in which broadcasts may have been lost stays open.
    const list = store.listKeys.bind(store);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    store.listKeys = async () => {
      await gate;
      return list();
    };
    const epoch = shared.deliveryEpoch();
    const admin = createRedis(TEST_REDIS_URL, { name: `${name}-admin` });
    await waitForReady(admin, 5000);
    const clients = ((await admin.client('LIST')) as string).split('\n');
    const subscriber = clients.find((line) => line.includes(` name=${name}-sub `));
    expect(subscriber).toBeDefined();
    await admin.client('KILL', 'ID', /(?:^|\s)id=(\d+)/.exec(subscriber!)![1]!);
    await closeRedis(admin);
    const deadline = Date.now() + 5000;
    while ((shared.deliveryEpoch() === null || shared.deliveryEpoch() === epoch) && Date.now() < deadline)
      await sleep(20);
    expect(shared.deliveryEpoch()).not.toBe(epoch);

    const missed = await writeUnannounced(); // as if its announcement was published during the outage
    expect(await cache.resolve(missed)).not.toBeNull();
    expect(lookups).toBe(1);

    release();
    while (cache.knownCount !== 2 && Date.now() < deadline) await sleep(20);
    expect(cache.knownCount).toBe(2); // the rebuild read both keys, under the new epoch
    expect(await cache.resolve(await writeUnannounced())).toBeNull();
    expect(lookups).toBe(1);
  });

  it('takes key hashes from the channel and ignores anything else', async () => {
    const hash = generateKey().hash;
    await shared.publish(KEY_INVALIDATION_CHANNEL, 'not a hash');
    await shared.publish(KEY_INVALIDATION_CHANNEL, hash);
    const deadline = Date.now() + 2000;
    while (!cache.isKnown(hash) && Date.now() < deadline) await sleep(10);
    expect(cache.isKnown(hash)).toBe(true);
    expect(cache.isKnown('not a hash')).toBe(false);
  });
});
