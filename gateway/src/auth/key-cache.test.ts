// The key cache against a real SQLite store: the generation check (a revocation racing a lookup is not undone by
// that lookup's answer), negative entries that expire and never touch positive ones.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite.js';
import { MemorySharedCache } from '../shared/memory.js';
import { generateKey } from './keys.js';
import { KeyCache } from './key-cache.js';
import { newKeyFrom } from '../../../test/support/new-key.js';

describe('KeyCache', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-keycache-'));
    store = new SqliteStore({ path: path.join(dir, 'gw.db') });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const make = () =>
    new KeyCache({
      store,
      shared: new MemorySharedCache(),
      log: pino({ level: 'silent' }),
      ttlMs: 60_000,
      staleMaxMs: 0,
    });

  async function newKey() {
    const record = await store.createKey(newKeyFrom(generateKey(), { name: 'k' }));
    return record;
  }

  it('a revocation that arrives while a lookup is in flight is not undone by that lookup (generation check)', async () => {
    const record = await newKey();
    const cache = make();
    await cache.start();
    const original = store.findKeyByHash.bind(store);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    store.findKeyByHash = async (hash) => {
      const found = await original(hash); // read before the revocation...
      await gate; // ...answered after it
      return found;
    };
    const racing = cache.resolve(record.hash);
    await store.revokeKey(record.id, new Date());
    await cache.invalidate(record.hash);
    release();
    expect((await racing)?.revokedAt).toBeNull(); // the in-flight request saw the old record
    store.findKeyByHash = original;
    expect((await cache.resolve(record.hash))?.revokedAt).toBeInstanceOf(Date); // not cached: re-read
    await cache.stop();
  });

  it('keeps negative entries apart and lets them expire', async () => {
    const record = await newKey();
    const cache = new KeyCache({
      store,
      shared: new MemorySharedCache(),
      log: pino({ level: 'silent' }),
      ttlMs: 60_000,
      staleMaxMs: 0,
      negativeTtlMs: 1000,
      negativeMax: 10,
      unknownLookupsPerS: 1000,
    });
    await cache.start();
    expect(await cache.resolve(record.hash)).not.toBeNull();
    let calls = 0;
    const original = store.findKeyByHash.bind(store);
    store.findKeyByHash = (hash) => ((calls += 1), original(hash));
    const now = Date.now();
    for (let i = 0; i < 100; i++) expect(await cache.resolve(`${i}`.padStart(64, 'f'), now)).toBeNull();
    expect(calls).toBe(100);
    expect(await cache.resolve('99'.padStart(64, 'f'), now + 10)).toBeNull(); // still a negative entry
    expect(calls).toBe(100);
    expect(await cache.resolve('99'.padStart(64, 'f'), now + 1500)).toBeNull(); // expired: looked up again
    expect(calls).toBe(101);
    expect(await cache.resolve(record.hash)).not.toBeNull(); // the valid key is still a hit
    expect(calls).toBe(101);
    await cache.stop();
  });
});
