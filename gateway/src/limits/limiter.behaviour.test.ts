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
/** The window tests are about rates, not concurrency: a cap they never reach. */
const UNCAPPED = 1_000_000;
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
        maxConcurrent: UNCAPPED,
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
    const a = await limiter.admit({ maxConcurrent: UNCAPPED, ...base, requestId: 'a', estimatedTokens: 600, now: T0 });
    expect(a.tokens).toEqual({ limit: 1000, remaining: 400, resetMs: WINDOW_MS });
    expect(
      await limiter.admit({ maxConcurrent: UNCAPPED, ...base, requestId: 'b', estimatedTokens: 500, now: T0 + 1 }),
    ).toMatchObject({
      allowed: false,
      reason: 'tokens',
      retryAfterMs: WINDOW_MS - 1,
    });
    await limiter.settle({ keyId, requestId: 'a', actualTokens: 100, now: T0 + 2 }); // refund 500
    const b = await limiter.admit({
      maxConcurrent: UNCAPPED,
      ...base,
      requestId: 'b',
      estimatedTokens: 500,
      now: T0 + 3,
    });
    expect(b.allowed).toBe(true);
    expect(b.tokens.remaining).toBe(400);
    await limiter.settle({ keyId, requestId: 'b', actualTokens: 950, now: T0 + 4 }); // charge 450: 1050 > tpm
    const c = await limiter.admit({
      maxConcurrent: UNCAPPED,
      ...base,
      requestId: 'c',
      estimatedTokens: 1,
      now: T0 + 5,
    });
    expect(c).toMatchObject({ allowed: false, reason: 'tokens', tokens: { remaining: 0 } });
    // Freeing 51 tokens takes 'a' (100) leaving the window at T0 + 60 s.
    expect(c.retryAfterMs).toBe(WINDOW_MS - 5);
    // Unknown ids and reservations already out of the window are left alone.
    await limiter.settle({ keyId, requestId: 'nope', actualTokens: 0, now: T0 + 6 });
    await limiter.settle({ keyId, requestId: 'a', actualTokens: 0, now: T0 + WINDOW_MS });
    const d = await limiter.admit({
      maxConcurrent: UNCAPPED,
      ...base,
      requestId: 'd',
      estimatedTokens: 50,
      now: T0 + WINDOW_MS,
    });
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
      inFlight: 1,
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
      inFlight: 2,
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
    expect((await limiter.admit({ maxConcurrent: UNCAPPED, ...req, now: T0 })).allowed).toBe(true);
    const again = await limiter.admit({ maxConcurrent: UNCAPPED, ...req, now: T0 + 1 });
    expect(again).toMatchObject({ allowed: true, requests: { remaining: 0 }, tokens: { remaining: 20 } });
    expect((await limiter.admit({ maxConcurrent: UNCAPPED, ...req, requestId: 'other', now: T0 + 2 })).reason).toBe(
      'requests',
    );
  });

  it('rejects invalid limits and token counts', async () => {
    const req = { keyId: 'k', requestId: 'r', rpm: 10, tpm: 10, estimatedTokens: 1, now: T0 };
    await expect(limiter.admit({ maxConcurrent: UNCAPPED, ...req, rpm: 0 })).rejects.toThrow(RangeError);
    await expect(limiter.admit({ maxConcurrent: UNCAPPED, ...req, tpm: Number.NaN })).rejects.toThrow(RangeError);
    await expect(limiter.admit({ maxConcurrent: UNCAPPED, ...req, estimatedTokens: -1 })).rejects.toThrow(RangeError);
    await expect(limiter.settle({ keyId: 'k', requestId: 'r', actualTokens: Infinity })).rejects.toThrow(RangeError);
  });
});

describe.each(implementations)('Limiter concurrency (%s)', (_name, make) => {
  let limiter: Limiter;
  beforeAll(async () => {
    limiter = await make();
  });
  const base = () => ({
    keyId: `key-${randomUUID()}`,
    rpm: 1000,
    tpm: 1_000_000,
    estimatedTokens: 1,
    maxConcurrent: 3,
  });

  it('holds at most maxConcurrent in flight; a refusal costs nothing; settle frees the slot', async () => {
    const req = base();
    const now = Date.now();
    for (let i = 0; i < 3; i++) {
      expect(await limiter.admit({ ...req, requestId: `r${i}`, now })).toMatchObject({
        allowed: true,
        inFlight: i + 1,
      });
    }
    const refused = await limiter.admit({ ...req, requestId: 'r3', now });
    expect(refused).toMatchObject({ allowed: false, reason: 'concurrency', retryAfterMs: 1000, inFlight: 3 });
    expect(refused.requests.remaining).toBe(997); // the refusal took no admission from the window
    await limiter.settle({ keyId: req.keyId, requestId: 'r1', actualTokens: 1, now });
    expect(await limiter.admit({ ...req, requestId: 'r4', now })).toMatchObject({ allowed: true, inFlight: 3 });
    // Settling an unknown request frees nothing.
    await limiter.settle({ keyId: req.keyId, requestId: 'nope', actualTokens: 1, now });
    expect((await limiter.admit({ ...req, requestId: 'r5', now })).reason).toBe('concurrency');
    for (const id of ['r0', 'r2', 'r4'])
      await limiter.settle({ keyId: req.keyId, requestId: id, actualTokens: 1, now });
    expect(await limiter.admit({ ...req, requestId: 'r6', now })).toMatchObject({ allowed: true, inFlight: 1 });
    await limiter.settle({ keyId: req.keyId, requestId: 'r6', actualTokens: 1, now });
  });

  it('a rate refusal wins over a concurrency refusal (its retry-after is the real one)', async () => {
    const req = { ...base(), rpm: 1, maxConcurrent: 1 };
    const now = Date.now();
    expect((await limiter.admit({ ...req, requestId: 'a', now })).allowed).toBe(true);
    expect(await limiter.admit({ ...req, requestId: 'b', now: now + 1 })).toMatchObject({ reason: 'requests' });
    await limiter.settle({ keyId: req.keyId, requestId: 'a', actualTokens: 1, now });
  });

  it('rejects maxConcurrent below 1', async () => {
    await expect(limiter.admit({ ...base(), requestId: 'x', maxConcurrent: 0 })).rejects.toThrow(RangeError);
  });
});

describe('MemoryLimiter memory', () => {
  it('drops idle keys', async () => {
    const limiter = new MemoryLimiter();
    for (let i = 0; i < 50; i++)
      await limiter.admit({
        maxConcurrent: UNCAPPED,
        keyId: `k${i}`,
        requestId: 'r',
        rpm: 5,
        tpm: 50,
        estimatedTokens: 1,
        now: T0,
      });
    expect(limiter.keyCount).toBe(50);
    await limiter.admit({
      maxConcurrent: UNCAPPED,
      keyId: 'late',
      requestId: 'r',
      rpm: 5,
      tpm: 50,
      estimatedTokens: 1,
      now: T0 + WINDOW_MS,
    });
    expect(limiter.keyCount).toBe(1);
  });
});

describe('RedisLimiter across replicas', () => {
  it('sets a TTL of about 61 s on every key it writes', async () => {
    const redis = await redisClient();
    const limiter = new RedisLimiter({ redis, prefix: PREFIX, ownsClient: false });
    const keyId = `key-${randomUUID()}`;
    await limiter.admit({ maxConcurrent: UNCAPPED, keyId, requestId: 'r', rpm: 5, tpm: 50, estimatedTokens: 3 });
    const [log, tok, sum, run] = limiter.keysFor(keyId);
    for (const key of [log, tok, sum]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(61_000);
    }
    // The in-flight set lives one lease (30 s by default), renewed while this replica holds a slot.
    const runTtl = await redis.pttl(run);
    expect(runTtl).toBeGreaterThan(25_000);
    expect(runTtl).toBeLessThanOrEqual(30_000);
    await limiter.settle({ keyId, requestId: 'r', actualTokens: 3 });
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
        limiters[i % 3]!.admit({
          maxConcurrent: UNCAPPED,
          keyId,
          requestId: `r${i}`,
          rpm: 60,
          tpm: 1_000_000,
          estimatedTokens: 10,
        }),
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
        limiters[i % 3]!.admit({
          maxConcurrent: UNCAPPED,
          keyId,
          requestId: `r${i}`,
          rpm: 1000,
          tpm: 1000,
          estimatedTokens,
        }),
      ),
    );
    const admitted = estimates.filter((_, i) => results[i]!.allowed).reduce((a, b) => a + b, 0);
    expect(admitted).toBeLessThanOrEqual(1000);
    expect(admitted).toBeGreaterThan(900); // greedy: every refusal saw less than its estimate left
    expect(Number(await clients[0]!.get(limiters[0]!.keysFor(keyId)[2]))).toBe(admitted);
  });
});

describe('RedisLimiter in-flight leases', () => {
  it('three replicas, 60 concurrent admissions, maxConcurrent 5: exactly 5 allowed', async () => {
    const limiters = await Promise.all(
      [1, 2, 3].map(async () => new RedisLimiter({ redis: await redisClient(), prefix: PREFIX, ownsClient: false })),
    );
    const keyId = `key-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        limiters[i % 3]!.admit({
          keyId,
          requestId: `r${i}`,
          rpm: 1000,
          tpm: 1_000_000,
          estimatedTokens: 1,
          maxConcurrent: 5,
        }),
      ),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    expect(results.filter((r) => r.reason === 'concurrency')).toHaveLength(55);
    await Promise.all(
      results.map((r, i) =>
        r.allowed ? limiters[i % 3]!.settle({ keyId, requestId: `r${i}`, actualTokens: 1 }) : null,
      ),
    );
    expect(await clients[0]!.zcard(limiters[0]!.keysFor(keyId)[3])).toBe(0);
    await Promise.all(limiters.map((l) => l.close()));
  });

  it("a crashed replica's slots come back once their lease has run out", async () => {
    const crashed = new RedisLimiter({ redis: await redisClient(), prefix: PREFIX, ownsClient: false, leaseMs: 5000 });
    const survivor = new RedisLimiter({ redis: await redisClient(), prefix: PREFIX, ownsClient: false, leaseMs: 5000 });
    const keyId = `key-${randomUUID()}`;
    const req = { keyId, rpm: 1000, tpm: 1_000_000, estimatedTokens: 1, maxConcurrent: 2 };
    const now = Date.now();
    expect((await crashed.admit({ ...req, requestId: 'a', now })).allowed).toBe(true);
    expect((await crashed.admit({ ...req, requestId: 'b', now })).allowed).toBe(true);
    await crashed.close(); // stops renewing, settles nothing: what a crash leaves behind
    expect((await survivor.admit({ ...req, requestId: 'c', now: now + 4999 })).reason).toBe('concurrency');
    expect(await survivor.admit({ ...req, requestId: 'c', now: now + 5000 })).toMatchObject({
      allowed: true,
      inFlight: 1,
    });
    await survivor.settle({ keyId, requestId: 'c', actualTokens: 1 });
    await survivor.close();
  });

  it('renews the slots it holds, and settle stops the renewal', async () => {
    const redis = await redisClient();
    const limiter = new RedisLimiter({ redis, prefix: PREFIX, ownsClient: false, leaseMs: 1000 });
    const keyId = `key-${randomUUID()}`;
    const run = limiter.keysFor(keyId)[3];
    await limiter.admit({ keyId, requestId: 'a', rpm: 1000, tpm: 1_000_000, estimatedTokens: 1, maxConcurrent: 2 });
    const first = Number(await redis.zscore(run, 'a'));
    expect(limiter.leasesHeld).toBe(1);
    let renewed = first;
    for (let i = 0; i < 50 && renewed === first; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      renewed = Number(await redis.zscore(run, 'a'));
    }
    expect(renewed).toBeGreaterThan(first);
    await limiter.settle({ keyId, requestId: 'a', actualTokens: 1 });
    expect(limiter.leasesHeld).toBe(0);
    expect(await redis.zscore(run, 'a')).toBeNull();
    await limiter.close();
  });
});

describe('RedisLimiter settle batching', () => {
  it('sends queued settles in the same pipeline as the next admission, settles first', async () => {
    const redis = await redisClient();
    const limiter = new RedisLimiter({ redis, prefix: PREFIX, ownsClient: false });
    const keyId = `key-${randomUUID()}`;
    const now = Date.now();
    await limiter.admit({
      maxConcurrent: UNCAPPED,
      keyId,
      requestId: 'a',
      rpm: 100,
      tpm: 1000,
      estimatedTokens: 400,
      now,
    });
    const writes: string[] = [];
    const original = redis.pipeline.bind(redis);
    redis.pipeline = ((...args: Parameters<Redis['pipeline']>) => {
      writes.push('pipeline');
      return original(...args);
    }) as Redis['pipeline'];
    try {
      const settled = limiter.settle({ keyId, requestId: 'a', actualTokens: 50, now });
      // Without the settle, 400 + 700 > 1000 would be refused; with it (50 + 700) the admission fits.
      const next = await limiter.admit({
        maxConcurrent: UNCAPPED,
        keyId,
        requestId: 'b',
        rpm: 100,
        tpm: 1000,
        estimatedTokens: 700,
        now,
      });
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
    await limiter.admit({
      maxConcurrent: UNCAPPED,
      keyId,
      requestId: 'a',
      rpm: 100,
      tpm: 1000,
      estimatedTokens: 400,
      now,
    });
    await redis.script('FLUSH');
    await limiter.settle({ keyId, requestId: 'a', actualTokens: 10, now });
    expect(Number(await redis.get(limiter.keysFor(keyId)[2]))).toBe(10);
    await redis.script('FLUSH');
    const settled = limiter.settle({ keyId, requestId: 'a', actualTokens: 20, now });
    const next = await limiter.admit({
      maxConcurrent: UNCAPPED,
      keyId,
      requestId: 'b',
      rpm: 100,
      tpm: 1000,
      estimatedTokens: 5,
      now,
    });
    await settled;
    expect(next.allowed).toBe(true);
    expect(Number(await redis.get(limiter.keysFor(keyId)[2]))).toBe(25);
  });
});
