// Limiter on Redis, shared by all replicas: one Lua script per admission (atomic, one round trip) keeps an
// exact sliding log per key. Keys (hash-tagged so one key's data lives in one Cluster slot):
//   <prefix>rl:{<keyId>}:log  ZSET  member = requestId, score = admission time (ms)
//   <prefix>rl:{<keyId>}:tok  HASH  requestId -> reserved tokens
//   <prefix>rl:{<keyId>}:sum  STR   running total of the hash (kept in step, so admission is O(expired entries))
//   <prefix>rl:{<keyId>}:run  ZSET  requests in flight: member = requestId, score = lease expiry (ms)
// The log serves as both the request log and the reservations' time index (every admission is both).
// In-flight slots are leases: the admitting replica renews its own (one pipeline per LEASE_MS/3, see renewLeases),
// settle frees the slot, and a crashed replica's slots lapse after at most one lease.
// On a Redis Cluster every script touches the keys of one API key only (one slot); the batched settles and lease
// renewals are split into one pipeline per node (redis-slots.ts), so they never cross slots. On one server they
// are grouped exactly as before: one pipeline.
import { createHash } from 'node:crypto';
import { WINDOW_MS, type AdmitRequest, type AdmitResult, type Limiter, type SettleRequest } from './types.js';
import { buildResult, CONCURRENCY_RETRY_MS, KEY_TTL_MS, normaliseAdmit, normaliseSettle } from './core.js';
import { closeRedis, waitForReady, type RedisClient } from '../shared/redis-connection.js';
import { groupBySlot, isCluster, slotGroup } from '../shared/redis-slots.js';

type Pipeline = ReturnType<RedisClient['pipeline']>;

// KEYS: log, tok, sum, run. ARGV: now, window, rpm, tpm, tokens, requestId, ttl, maxConcurrent, leaseMs.
// Returns {allowed 0/1, reason 0 none/1 requests/2 tokens/3 concurrency, retryAfterMs, count, sum, oldest
// (-1 if empty), inFlight}.
const ADMIT_LUA = `
local log, tok, sumk, run = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local maxc, lease = tonumber(ARGV[8]), tonumber(ARGV[9])
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local rpm, tpm, est = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local rid, ttl = ARGV[6], tonumber(ARGV[7])
local cutoff = now - window
local sum = tonumber(redis.call('GET', sumk) or '0') or 0

-- 1. expire admissions with time <= now - window, taking their reservations off the running total
local expired = redis.call('ZRANGEBYSCORE', log, '-inf', cutoff)
if #expired > 0 then
  for i = 1, #expired, 500 do
    local chunk = {}
    for j = i, math.min(i + 499, #expired) do chunk[#chunk + 1] = expired[j] end
    local amounts = redis.call('HMGET', tok, unpack(chunk))
    for j = 1, #chunk do sum = sum - (tonumber(amounts[j]) or 0) end
    redis.call('HDEL', tok, unpack(chunk))
  end
  redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
end
local count = redis.call('ZCARD', log)
if count == 0 or sum < 0 then sum = 0 end

-- 2. requests: wait until the (count - rpm + 1) oldest admissions have left the window
local reqWait = 0
if count >= rpm then
  local e = redis.call('ZRANGE', log, count - rpm, count - rpm, 'WITHSCORES')
  reqWait = tonumber(e[2]) + window - now
end

-- 3. tokens: fits if sum + est <= tpm, or nothing is reserved (a request bigger than tpm on an idle window)
local tokWait = 0
if sum > 0 and sum + est > tpm then
  local need = sum + est - tpm
  if est > tpm then need = sum end
  local freed, offset = 0, 0
  tokWait = window
  while true do
    local batch = redis.call('ZRANGE', log, offset, offset + 199, 'WITHSCORES')
    if #batch == 0 then break end
    local members = {}
    for j = 1, #batch, 2 do members[#members + 1] = batch[j] end
    local amounts = redis.call('HMGET', tok, unpack(members))
    local found = false
    for j = 1, #members do
      freed = freed + (tonumber(amounts[j]) or 0)
      if freed >= need then
        tokWait = tonumber(batch[2 * j]) + window - now
        found = true
        break
      end
    end
    if found then break end
    offset = offset + 200
  end
end

-- 4. concurrency: leases that ran out (their replica died) free their slot
redis.call('ZREMRANGEBYSCORE', run, '-inf', now)
local busy = redis.call('ZCARD', run)

local allowed, reason = 0, 0
if reqWait > 0 then reason = 1 elseif tokWait > 0 then reason = 2 elseif busy >= maxc then reason = 3 else allowed = 1 end
if allowed == 1 then
  -- a reused requestId still counts as a separate admission
  local m, n = rid, 1
  while redis.call('ZSCORE', log, m) do n = n + 1; m = rid .. '#' .. n end
  redis.call('ZADD', log, now, m)
  redis.call('HSET', tok, m, est)
  sum = sum + est
  count = count + 1
  redis.call('ZADD', run, now + lease, m)
  redis.call('PEXPIRE', run, lease)
  busy = busy + 1
end
local oldest = -1
if count > 0 then
  oldest = tonumber(redis.call('ZRANGE', log, 0, 0, 'WITHSCORES')[2])
  redis.call('SET', sumk, sum, 'PX', ttl)
  redis.call('PEXPIRE', log, ttl)
  redis.call('PEXPIRE', tok, ttl)
else
  redis.call('DEL', log, tok, sumk)
end
return {allowed, reason, math.max(reqWait, tokWait), count, sum, oldest, busy}
`;

// KEYS: log, tok, sum, run. ARGV: now, window, requestId, actualTokens, ttl. Frees the in-flight slot; returns 1
// if the reservation was adjusted, 0 if it is no longer in the window.
const SETTLE_LUA = `
local log, tok, sumk = KEYS[1], KEYS[2], KEYS[3]
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local rid, actual, ttl = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREM', KEYS[4], rid)
local score = redis.call('ZSCORE', log, rid)
if not score or tonumber(score) <= now - window then return 0 end
local old = tonumber(redis.call('HGET', tok, rid) or '0') or 0
redis.call('HSET', tok, rid, actual)
local sum = (tonumber(redis.call('GET', sumk) or '0') or 0) + actual - old
if sum < 0 then sum = 0 end
redis.call('SET', sumk, sum, 'PX', ttl)
redis.call('PEXPIRE', log, ttl)
redis.call('PEXPIRE', tok, ttl)
return 1
`;

interface LuaScript {
  source: string;
  sha: string;
}

function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const ADMIT = script(ADMIT_LUA);
const SETTLE = script(SETTLE_LUA);

export interface RedisLimiterOptions {
  /** A client from createRedisClient(); the limiter owns it and quits it on close() unless ownsClient is false. */
  redis: RedisClient;
  /** Prepended to every key, e.g. "llmgw:". Must not contain "{" or "}". */
  prefix: string;
  ownsClient?: boolean;
  /** How long an in-flight slot lives without renewal (a crashed replica's slots come back after this). */
  leaseMs?: number;
}

export const DEFAULT_LEASE_MS = 30_000;

/**
 * Settles wait this long for company. They are off the latency path (the answer is already sent), so they are
 * queued and ride along in the same write as the next admission, or go out together when no admission comes:
 * one socket write per request instead of two (the second write cost ~12 % of the gateway's CPU, profiled).
 * The price: a reservation keeps its estimate up to this much longer, which only errs on the strict side.
 */
export const SETTLE_BATCH_MS = 5;

interface QueuedCall {
  keys: string[];
  args: (string | number)[];
  resolve: () => void;
  reject: (err: Error) => void;
}

export class RedisLimiter implements Limiter {
  readonly kind = 'redis' as const;
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly ownsClient: boolean;
  private settles: QueuedCall[] = [];
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly leaseMs: number;
  /** This replica's in-flight slots (requestId -> run key), renewed until settled. */
  private readonly leases = new Map<string, string>();
  private leaseTimer: NodeJS.Timeout | undefined;

  constructor(opts: RedisLimiterOptions) {
    if (/[{}]/.test(opts.prefix)) throw new Error('RedisLimiter prefix must not contain "{" or "}"');
    this.redis = opts.redis;
    this.prefix = opts.prefix;
    this.ownsClient = opts.ownsClient ?? true;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    if (!Number.isSafeInteger(this.leaseMs) || this.leaseMs < 1000)
      throw new RangeError('leaseMs must be an integer >= 1000');
  }

  /** The three keys of one API key; keyId is URI-encoded so braces in it cannot break the hash tag. */
  keysFor(keyId: string): [string, string, string, string] {
    const base = `${this.prefix}rl:{${encodeURIComponent(keyId)}}:`;
    return [`${base}log`, `${base}tok`, `${base}sum`, `${base}run`];
  }

  /** Pushes the expiry of this replica's slots one lease ahead (XX: a slot already freed stays freed). */
  private renewLeases(): void {
    if (this.leases.size === 0) return;
    const expiry = Date.now() + this.leaseMs;
    for (const group of groupBySlot(this.redis, [...this.leases], ([, run]) => run)) {
      const pipeline = this.redis.pipeline();
      for (const [requestId, run] of group) {
        pipeline.zadd(run, 'XX', expiry, requestId);
        pipeline.pexpire(run, this.leaseMs);
      }
      pipeline.exec().catch(() => undefined); // a missed renewal is retried next tick; the lease has slack for two
    }
  }

  private holdLease(requestId: string, run: string): void {
    this.leases.set(requestId, run);
    if (this.leaseTimer) return;
    this.leaseTimer = setInterval(() => this.renewLeases(), Math.floor(this.leaseMs / 3));
    this.leaseTimer.unref();
  }

  private dropLease(requestId: string): void {
    this.leases.delete(requestId);
    if (this.leases.size === 0 && this.leaseTimer) {
      clearInterval(this.leaseTimer);
      this.leaseTimer = undefined;
    }
  }

  /** Slots this replica holds right now (for metrics and tests). */
  get leasesHeld(): number {
    return this.leases.size;
  }

  /** EVALSHA (one round trip); on NOSCRIPT (first use, or after a Redis restart/flush) EVAL, which caches it. */
  private async run(s: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return this.redis.eval(s.source, keys.length, ...keys, ...args);
    }
  }

  /** Queued settles go first in the same pipeline (one write); the admission's reply is the last one. */
  private async runWithSettles(s: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    const settles = this.takeSameGroup(keys[0]!);
    if (settles.length === 0) return this.run(s, keys, args);
    const pipeline = this.settlePipeline(settles);
    pipeline.evalsha(s.sha, keys.length, ...keys, ...args);
    let replies: Array<[Error | null, unknown]>;
    try {
      replies = (await pipeline.exec()) ?? [];
    } catch (err) {
      for (const call of settles) call.reject(err as Error);
      throw err;
    }
    settles.forEach((call, i) => this.finishSettle(call, replies[i]));
    const [err, reply] = replies[settles.length] ?? [
      new Error('Redis pipeline returned no reply for the admission'),
      null,
    ];
    if (!err) return reply;
    // NOSCRIPT: the script did not run, so running it again (loading it on the way) is safe.
    if (err.message.startsWith('NOSCRIPT')) return this.run(s, keys, args);
    throw err;
  }

  /**
   * Takes the queued settles that can share a pipeline with a command on `key`; on a cluster, the others are sent
   * now in their own pipelines (one per node), so none waits longer than SETTLE_BATCH_MS.
   */
  private takeSameGroup(key: string): QueuedCall[] {
    const settles = this.takeSettles();
    if (settles.length === 0 || !isCluster(this.redis)) return settles; // one server: all ride along, as before
    const group = slotGroup(this.redis, key);
    const same: QueuedCall[] = [];
    const others: QueuedCall[] = [];
    for (const call of settles) (slotGroup(this.redis, call.keys[0]!) === group ? same : others).push(call);
    if (others.length > 0) void this.sendSettles(others);
    return same;
  }

  /** A pipeline that starts with the queued settles (EVALSHA each). */
  private settlePipeline(settles: QueuedCall[]): Pipeline {
    const pipeline = this.redis.pipeline();
    for (const call of settles) pipeline.evalsha(SETTLE.sha, call.keys.length, ...call.keys, ...call.args);
    return pipeline;
  }

  private finishSettle(call: QueuedCall, reply: [Error | null, unknown] | undefined): void {
    const err = reply?.[0];
    if (!err) {
      call.resolve();
      return;
    }
    if (err.message.startsWith('NOSCRIPT')) {
      this.run(SETTLE, call.keys, call.args).then(call.resolve, call.reject);
      return;
    }
    call.reject(err);
  }

  /** Empties the queue; the caller owns the array it gets (never the queue itself: settleAlong appends to it). */
  private takeSettles(): QueuedCall[] {
    if (this.settles.length === 0) return [];
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    const taken = this.settles;
    this.settles = [];
    return taken;
  }

  /** Sends queued settles that no admission picked up (one pipeline; on a cluster one per node). */
  private flushSettles(): Promise<void> {
    return this.sendSettles(this.takeSettles());
  }

  private async sendSettles(settles: QueuedCall[]): Promise<void> {
    if (settles.length === 0) return;
    await Promise.all(
      groupBySlot(this.redis, settles, (call) => call.keys[0]!).map((group) =>
        this.settlePipeline(group)
          .exec()
          .then(
            (replies) => group.forEach((call, i) => this.finishSettle(call, replies?.[i])),
            (err: Error) => group.forEach((call) => call.reject(err)),
          ),
      ),
    );
  }

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    const input = normaliseAdmit(req);
    const keys = this.keysFor(input.keyId);
    const reply = (await this.runWithSettles(ADMIT, keys, [
      input.now,
      WINDOW_MS,
      input.rpm,
      input.tpm,
      input.tokens,
      input.requestId,
      KEY_TTL_MS,
      input.maxConcurrent,
      this.leaseMs,
    ])) as number[];
    const [allowed, reason, retryAfterMs, count, sum, oldest, inFlight] = reply.map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    if (allowed === 1) this.holdLease(input.requestId, keys[3]);
    return buildResult(input, {
      allowed: allowed === 1,
      reason: reason === 1 ? 'requests' : reason === 2 ? 'tokens' : reason === 3 ? 'concurrency' : undefined,
      retryAfterMs: reason === 3 ? CONCURRENCY_RETRY_MS : retryAfterMs,
      inFlight,
      count,
      sum,
      oldest: oldest < 0 ? null : oldest,
    });
  }

  /** Resolves once the settle ran in Redis (batched: see SETTLE_BATCH_MS). */
  async settle(req: SettleRequest): Promise<void> {
    const input = normaliseSettle(req); // throws inside the async function: a rejected promise, as for admit()
    this.dropLease(input.requestId);
    return new Promise<void>((resolve, reject) => {
      this.settles.push({
        keys: this.keysFor(input.keyId),
        args: [input.now, WINDOW_MS, input.requestId, input.tokens, KEY_TTL_MS],
        resolve,
        reject,
      });
      this.settleTimer ??= setTimeout(() => void this.flushSettles(), SETTLE_BATCH_MS);
    });
  }

  /**
   * Sends the settle (if any) and the caller's commands in ONE pipeline, written now rather than batched: the
   * usage journal (usage/redis-journal.ts) needs its row in Redis as soon as the answer is out. Queued settles
   * ride along. Resolves with the replies of the caller's commands; the settle's outcome is its own promise.
   * `rideKey` is the key the caller's commands touch: on a cluster, settles on another node go in their own
   * pipeline, sent at the same moment (two writes, still one round trip of waiting).
   */
  settleAlong(
    req: SettleRequest | null,
    rideKey: string,
    ride: (pipeline: Pipeline) => void,
  ): { settled: Promise<void>; replies: Promise<Array<[Error | null, unknown]>> } {
    const settles = this.takeSettles();
    let settled: Promise<void> = Promise.resolve();
    if (req) {
      const input = normaliseSettle(req);
      this.dropLease(input.requestId); // the settle frees the in-flight slot, as in settle()
      settled = new Promise<void>((resolve, reject) =>
        settles.push({
          keys: this.keysFor(input.keyId),
          args: [input.now, WINDOW_MS, input.requestId, input.tokens, KEY_TTL_MS],
          resolve,
          reject,
        }),
      );
    }
    if (!isCluster(this.redis)) return this.rideWith(settles, ride, settled); // one server: one pipeline, as before
    const group = slotGroup(this.redis, rideKey);
    const along: QueuedCall[] = [];
    const apart: QueuedCall[] = [];
    for (const call of settles) (slotGroup(this.redis, call.keys[0]!) === group ? along : apart).push(call);
    void this.sendSettles(apart);
    return this.rideWith(along, ride, settled);
  }

  private rideWith(
    settles: QueuedCall[],
    ride: (pipeline: Pipeline) => void,
    settled: Promise<void>,
  ): { settled: Promise<void>; replies: Promise<Array<[Error | null, unknown]>> } {
    const pipeline = this.settlePipeline(settles);
    ride(pipeline);
    const replies = pipeline.exec().then(
      (all) => {
        settles.forEach((call, i) => this.finishSettle(call, all?.[i]));
        return (all ?? []).slice(settles.length);
      },
      (err: Error) => {
        settles.forEach((call) => call.reject(err));
        throw err;
      },
    );
    return { settled, replies };
  }

  /** Waits (briefly) for the initial connection, then round-trips a PING. */
  async ping(): Promise<void> {
    await waitForReady(this.redis);
    await this.redis.ping();
  }

  async close(): Promise<void> {
    clearInterval(this.leaseTimer);
    this.leaseTimer = undefined;
    await this.flushSettles().catch(() => undefined);
    if (this.ownsClient) await closeRedis(this.redis);
  }
}
