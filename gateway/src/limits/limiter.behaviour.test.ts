// One behaviour suite for both Limiter implementations (exact sliding window, token reservations, headers state),
// plus Redis-only checks: key TTLs and cross-replica concurrency (three clients as three replicas).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/support/services.js';
import { closeRedis, createRedis, waitForReady } from '../shared/redis-connection.js';
import { MemoryLimiter } from './memory.js';
import { RedisLimiter } from './redis.js';
import { WINDOW_MS, type AdmitRequest, type Limiter } from './types.js';

const PREFIX = `llmgw-test-${randomUUID().slice(0, 8)}:`;
const T0 = 1_700_000_000_000;
const clients: Redis[] = [];

async function redisClient(): Promise<Redis> {
  const redis = createRedis(TEST_REDIS_URL, { name: 'llmgw-limits-test' });
  clients.push(redis);
  await waitForReady(redis, 5000);
  return redis;
}

afterAll(async () => {
  const redis = clients[0] ?? (await redisClient());
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await Promise.all(clients.map((c) => closeRedis(c)));
});

const implementations: [string, () => Promise<Limiter>][] = [
  ['memory', async () => new MemoryLimiter()],
  ['redis', async () => new RedisLimiter({ redis: await redisClient(), prefix: PREFIX, ownsClient: false })],
];

describe.each(implementations)('Limiter (%s)', (_name, make) => {
  let limiter: Limiter;
  beforeAll(async () => {
    limiter = await make();
    await limiter.ping();
  });

  /** A fresh key per test, and an admit() with generous defaults. */
  function keyed(defaults: Partial<AdmitRequest> = {}) {
    const keyId = `key-${randomUUID()}`;
    return (now: number, more: Partial<AdmitRequest> = {}) =>
      limiter.admit({
        keyId,
        requestId: randomUUID(),
        rpm: 1000,
        tpm: 1_000_000,
        estimatedTokens: 1,
        now,
        ...defaults,
        ...more,
      });
  }

  it('admits exactly rpm requests, then refuses with retryAfter = oldest + 60 s - now', async () => {
    const admit = keyed({ rpm: 5 });
    for (let i = 0; i < 5; i++) {
      const r = await admit(T0 + i * 1000);
      expect(r.allowed).toBe(true);
      expect(r.requests).toEqual({ limit: 5, remaining: 4 - i, resetMs: WINDOW_MS - i * 1000 });
    }
    const sixth = await admit(T0 + 5000);
    expect(sixth).toMatchObject({ allowed: false, reason: 'requests', retryAfterMs: 55_000 });
    expect(sixth.requests).toEqual({ limit: 5, remaining: 0, resetMs: 55_000 });
  });

  it('rolls the window: an admission leaves exactly 60 s later', async () => {
    const admit = keyed({ rpm: 2 });
    expect((await admit(T0)).allowed).toBe(true);
    expect((await admit(T0 + 10_000)).allowed).toBe(true);
    expect(await admit(T0 + 59_999)).toMatchObject({ allowed: false, reason: 'requests', retryAfterMs: 1 });
    const atExpiry = await admit(T0 + 60_000);
    expect(atExpiry.allowed).toBe(true);
    expect(atExpiry.requests).toEqual({ limit: 2, remaining: 0, resetMs: 10_000 });
    expect(await admit(T0 + 60_001)).toMatchObject({ allowed: false, retryAfterMs: 9_999 });
    expect((await admit(T0 + 70_000)).allowed).toBe(true);
  });

  it('refused requests consume nothing', async () => {
    const admit = keyed({ rpm: 1, tpm: 100 });
    expect((await admit(T0, { estimatedTokens: 60 })).allowed).toBe(true);
    for (let i = 1; i <= 10; i++) expect((await admit(T0 + i, { estimatedTokens: 1 })).allowed).toBe(false);
    const after = await admit(T0 + WINDOW_MS, { estimatedTokens: 100 });
    expect(after.allowed).toBe(true);
    expect(after.requests.remaining).toBe(0);

    const tok = keyed({ rpm: 100, tpm: 100 });
    expect((await tok(T0, { estimatedTokens: 70 })).allowed).toBe(true);
    for (let i = 1; i <= 5; i++) expect(await tok(T0 + i, { estimatedTokens: 50 })).toMatchObject({ reason: 'tokens' });
    const fits = await tok(T0 + 10, { estimatedTokens: 30 });
    expect(fits.allowed).toBe(true);
    expect(fits.requests.remaining).toBe(98);
    expect(fits.tokens.remaining).toBe(0);
  });

  it('reserves estimates; settle() refunds and charges the actual amount', async () => {
    const keyId = `key-${randomUUID()}`;
    const base = { keyId, rpm: 100, tpm: 1000 };
    const a = await limiter.admit({ ...base, requestId: 'a', estimatedTokens: 600, now: T0 });
    expect(a.tokens).toEqual({ limit: 1000, remaining: 400, resetMs: WINDOW_MS });
    expect(await limiter.admit({ ...base, requestId: 'b', estimatedTokens: 500, now: T0 + 1 })).toMatchObject({
      allowed: false,
      reason: 'tokens',
      retryAfterMs: WINDOW_MS - 1,
    });
    await limiter.settle({ keyId, requestId: 'a', actualTokens: 100, now: T0 + 2 }); // refund 500
    const b = await limiter.admit({ ...base, requestId: 'b', estimatedTokens: 500, now: T0 + 3 });
    expect(b.allowed).toBe(true);
    expect(b.tokens.remaining).toBe(400);
    await limiter.settle({ keyId, requestId: 'b', actualTokens: 950, now: T0 + 4 }); // charge 450: 1050 > tpm
    const c = await limiter.admit({ ...base, requestId: 'c', estimatedTokens: 1, now: T0 + 5 });
    expect(c).toMatchObject({ allowed: false, reason: 'tokens', tokens: { remaining: 0 } });
    // Freeing 51 tokens takes 'a' (100) leaving the window at T0 + 60 s.
    expect(c.retryAfterMs).toBe(WINDOW_MS - 5);
    // Unknown ids and reservations already out of the window are left alone.
    await limiter.settle({ keyId, requestId: 'nope', actualTokens: 0, now: T0 + 6 });
    await limiter.settle({ keyId, requestId: 'a', actualTokens: 0, now: T0 + WINDOW_MS });
    const d = await limiter.admit({ ...base, requestId: 'd', estimatedTokens: 50, now: T0 + WINDOW_MS });
    expect(d.allowed).toBe(true);
    expect(d.tokens.remaining).toBe(0); // 950 (b) + 50
  });

  it('walks the oldest reservations to compute a token retryAfter', async () => {
    const admit = keyed({ tpm: 1000 });
    for (let i = 0; i < 3; i++) expect((await admit(T0 + i * 1000, { estimatedTokens: 300 })).allowed).toBe(true);
    // 900 reserved + 500 needs 400 freed: the first two (600) must leave; the second leaves at T0 + 61 s.
    expect(await admit(T0 + 3000, { estimatedTokens: 500 })).toMatchObject({
      allowed: false,
      reason: 'tokens',
      retryAfterMs: 58_000,
    });
    expect((await admit(T0 + 61_000, { estimatedTokens: 500 })).allowed).toBe(true);
  });

  it('when both limits refuse, reports requests and waits for both', async () => {
    const admit = keyed({ rpm: 2, tpm: 100 });
    await admit(T0, { estimatedTokens: 10 });
    await admit(T0 + 1000, { estimatedTokens: 90 });
    const r = await admit(T0 + 2000, { estimatedTokens: 50 });
    expect(r).toMatchObject({ allowed: false, reason: 'requests', retryAfterMs: 59_000 });
  });

  it('reports headers state after admission and on refusal', async () => {
    const admit = keyed({ rpm: 3, tpm: 100 });
    const first = await admit(T0, { estimatedTokens: 10 });
    expect(first).toEqual({
      allowed: true,
      retryAfterMs: 0,
      requests: { limit: 3, remaining: 2, resetMs: 60_000 },
      tokens: { limit: 100, remaining: 90, resetMs: 60_000 },
    });
    const second = await admit(T0 + 5000, { estimatedTokens: 20 });
    expect(second.requests).toEqual({ limit: 3, remaining: 1, resetMs: 55_000 });
    expect(second.tokens).toEqual({ limit: 100, remaining: 70, resetMs: 55_000 });
    const refused = await admit(T0 + 6000, { estimatedTokens: 71 });
    expect(refused).toEqual({
      allowed: false,
      reason: 'tokens',
      retryAfterMs: 54_000,
      requests: { limit: 3, remaining: 1, resetMs: 54_000 },
      tokens: { limit: 100, remaining: 70, resetMs: 54_000 },
    });
  });

  it('keeps keys independent', async () => {
    const one = keyed({ rpm: 1 });
    const two = keyed({ rpm: 1 });
    expect((await one(T0)).allowed).toBe(true);
    expect((await one(T0 + 1)).allowed).toBe(false);
    expect((await two(T0 + 1)).allowed).toBe(true);
  });

  it('admits a single request larger than tpm only on an empty window', async () => {
    const admit = keyed({ tpm: 100 });
    const big = await admit(T0, { estimatedTokens: 500 });
    expect(big.allowed).toBe(true);
    expect(big.tokens.remaining).toBe(0);
    expect(await admit(T0 + 1000, { estimatedTokens: 1 })).toMatchObject({ reason: 'tokens', retryAfterMs: 59_000 });
    const small = keyed({ tpm: 100 });
    await small(T0, { estimatedTokens: 10 });
    await small(T0 + 1000, { estimatedTokens: 10 });
    // Too big to ever share the window: it waits until every reservation has left.
    expect(await small(T0 + 2000, { estimatedTokens: 500 })).toMatchObject({ reason: 'tokens', retryAfterMs: 59_000 });
    expect((await small(T0 + 61_000, { estimatedTokens: 500 })).allowed).toBe(true);
  });

  it('counts a reused requestId as a separate admission', async () => {
    const keyId = `key-${randomUUID()}`;
    const req = { keyId, requestId: 'same', rpm: 2, tpm: 100, estimatedTokens: 40 };
    expect((await limiter.admit({ ...req, now: T0 })).allowed).toBe(true);
    const again = await limiter.admit({ ...req, now: T0 + 1 });
    expect(again).toMatchObject({ allowed: true, requests: { remaining: 0 }, tokens: { remaining: 20 } });
    expect((await limiter.admit({ ...req, requestId: 'other', now: T0 + 2 })).reason).toBe('requests');
  });

  it('rejects invalid limits and token counts', async () => {
    const req = { keyId: 'k', requestId: 'r', rpm: 10, tpm: 10, estimatedTokens: 1, now: T0 };
    await expect(limiter.admit({ ...req, rpm: 0 })).rejects.toThrow(RangeError);
    await expect(limiter.admit({ ...req, tpm: Number.NaN })).rejects.toThrow(RangeError);
    await expect(limiter.admit({ ...req, estimatedTokens: -1 })).rejects.toThrow(RangeError);
    await expect(limiter.settle({ keyId: 'k', requestId: 'r', actualTokens: Infinity })).rejects.toThrow(RangeError);
  });
});

describe('MemoryLimiter memory', () => {
  it('drops idle keys', async () => {
    const limiter = new MemoryLimiter();
    for (let i = 0; i < 50; i++)
      await limiter.admit({ keyId: `k${i}`, requestId: 'r', rpm: 5, tpm: 50, estimatedTokens: 1, now: T0 });
    expect(limiter.keyCount).toBe(50);
    await limiter.admit({ keyId: 'late', requestId: 'r', rpm: 5, tpm: 50, estimatedTokens: 1, now: T0 + WINDOW_MS });
    expect(limiter.keyCount).toBe(1);
  });
});

describe('RedisLimiter across replicas', () => {
  it('sets a TTL of about 61 s on every key it writes', async () => {
    const redis = await redisClient();
    const limiter = new RedisLimiter({ redis, prefix: PREFIX, ownsClient: false });
    const keyId = `key-${randomUUID()}`;
    await limiter.admit({ keyId, requestId: 'r', rpm: 5, tpm: 50, estimatedTokens: 3 });
    for (const key of limiter.keysFor(keyId)) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(61_000);
    }
    expect(limiter.keysFor('a{b}c')[0]).toBe(`${PREFIX}rl:{a%7Bb%7Dc}:log`);
  });

  async function replicas(): Promise<RedisLimiter[]> {
    return Promise.all(
      [1, 2, 3].map(async () => new RedisLimiter({ redis: await redisClient(), prefix: PREFIX, ownsClient: false })),
    );
  }

  it('three replicas, 200 concurrent admissions, rpm 60: exactly 60 allowed', async () => {
    const limiters = await replicas();
    const keyId = `key-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        limiters[i % 3]!.admit({ keyId, requestId: `r${i}`, rpm: 60, tpm: 1_000_000, estimatedTokens: 10 }),
      ),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(60);
    expect(results.filter((r) => !r.allowed).every((r) => r.reason === 'requests' && r.retryAfterMs > 0)).toBe(true);
    expect(await clients[0]!.zcard(limiters[0]!.keysFor(keyId)[0])).toBe(60);
  });

  it('three replicas, 200 concurrent admissions: admitted token estimates never exceed tpm', async () => {
    const limiters = await replicas();
    const keyId = `key-${randomUUID()}`;
    const estimates = Array.from({ length: 200 }, (_, i) => 1 + ((i * 37) % 100));
    const results = await Promise.all(
      estimates.map((estimatedTokens, i) =>
        limiters[i % 3]!.admit({ keyId, requestId: `r${i}`, rpm: 1000, tpm: 1000, estimatedTokens }),
      ),
    );
    const admitted = estimates.filter((_, i) => results[i]!.allowed).reduce((a, b) => a + b, 0);
    expect(admitted).toBeLessThanOrEqual(1000);
    expect(admitted).toBeGreaterThan(900); // greedy: every refusal saw less than its estimate left
    expect(Number(await clients[0]!.get(limiters[0]!.keysFor(keyId)[2]))).toBe(admitted);
  });
});

describe('RedisLimiter settle batching', () => {
  it('sends queued settles in the same pipeline as the next admission, settles first', async () => {
    const redis = await redisClient();
    const limiter = new RedisLimiter({ redis, prefix: PREFIX, ownsClient: false });
    const keyId = `key-${randomUUID()}`;
    const now = Date.now();
    await limiter.admit({ keyId, requestId: 'a', rpm: 100, tpm: 1000, estimatedTokens: 400, now });
    const writes: string[] = [];
    const original = redis.pipeline.bind(redis);
    redis.pipeline = ((...args: Parameters<Redis['pipeline']>) => {
      writes.push('pipeline');
      return original(...args);
    }) as Redis['pipeline'];
    try {
      const settled = limiter.settle({ keyId, requestId: 'a', actualTokens: 50, now });
      // Without the settle, 400 + 700 > 1000 would be refused; with it (50 + 700) the admission fits.
      const next = await limiter.admit({ keyId, requestId: 'b', rpm: 100, tpm: 1000, estimatedTokens: 700, now });
      await settled;
      expect(writes).toEqual(['pipeline']);
      expect(next.allowed).toBe(true);
      expect(next.tokens.remaining).toBe(1000 - 750);
    } finally {
      redis.pipeline = original;
    }
  });

  it('flushes settles on its own after SETTLE_BATCH_MS, and survives a flushed script cache (NOSCRIPT)', async () => {
    const redis = await redisClient();
    const limiter = new RedisLimiter({ redis, prefix: PREFIX, ownsClient: false });
    const keyId = `key-${randomUUID()}`;
    const now = Date.now();
    await limiter.admit({ keyId, requestId: 'a', rpm: 100, tpm: 1000, estimatedTokens: 400, now });
    await redis.script('FLUSH');
    await limiter.settle({ keyId, requestId: 'a', actualTokens: 10, now });
    expect(Number(await redis.get(limiter.keysFor(keyId)[2]))).toBe(10);
    await redis.script('FLUSH');
    const settled = limiter.settle({ keyId, requestId: 'a', actualTokens: 20, now });
    const next = await limiter.admit({ keyId, requestId: 'b', rpm: 100, tpm: 1000, estimatedTokens: 5, now });
    await settled;
    expect(next.allowed).toBe(true);
    expect(Number(await redis.get(limiter.keysFor(keyId)[2]))).toBe(25);
  });
});
