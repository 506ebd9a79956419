// In-process Limiter (embedded mode): the same exact sliding-log semantics as RedisLimiter, per key a
// time-ordered log of admissions (each holding its token reservation) and a running total.
// admit() runs synchronously inside the promise, so it is atomic within the process. Requests in flight are
// counted per key (one process: no leases needed); settle() frees the slot.
import { WINDOW_MS, type AdmitRequest, type AdmitResult, type Limiter, type SettleRequest } from './types.js';
import { buildResult, CONCURRENCY_RETRY_MS, normaliseAdmit, normaliseSettle, tokensToFree } from './core.js';

interface Entry {
  ts: number;
  member: string;
  tokens: number;
}

/** One key's window: entries[head..] are live, ordered by ts; sum = their reserved tokens. */
interface KeyWindow {
  entries: Entry[];
  head: number;
  sum: number;
  byMember: Map<string, Entry>;
}

export class MemoryLimiter implements Limiter {
  readonly kind = 'memory' as const;
  private readonly keys = new Map<string, KeyWindow>();
  /** keyId -> requestId -> slots held (a reused requestId holds one slot per admission). */
  private readonly inFlight = new Map<string, Map<string, number>>();
  private lastSweep = -Infinity;

  private inFlightOf(keyId: string): number {
    let n = 0;
    for (const held of this.inFlight.get(keyId)?.values() ?? []) n += held;
    return n;
  }

  /** Number of keys currently tracked (idle keys are dropped). */
  get keyCount(): number {
    return this.keys.size;
  }

  /** Removes entries with ts <= now - WINDOW_MS: O(expired), amortised. */
  private expire(w: KeyWindow, now: number): void {
    const cutoff = now - WINDOW_MS;
    const { entries } = w;
    while (w.head < entries.length && entries[w.head]!.ts <= cutoff) {
      const e = entries[w.head]!;
      w.sum -= e.tokens;
      w.byMember.delete(e.member);
      w.head++;
    }
    if (w.head === entries.length) {
      w.entries = [];
      w.head = 0;
      w.sum = 0;
    } else if (w.head >= 1024 && w.head * 2 >= entries.length) {
      w.entries = entries.slice(w.head);
      w.head = 0;
    }
  }

  /** At most once per window, drop every key whose entries have all expired, so memory stays bounded. */
  private sweep(now: number): void {
    if (now - this.lastSweep < WINDOW_MS) return;
    this.lastSweep = now;
    for (const [key, w] of this.keys) {
      this.expire(w, now);
      if (w.entries.length === 0) this.keys.delete(key);
    }
  }

  async admit(req: AdmitRequest): Promise<AdmitResult> {
    const input = normaliseAdmit(req);
    const { now, rpm, tpm, tokens } = input;
    this.sweep(now);
    let w = this.keys.get(input.keyId);
    if (w) this.expire(w, now);
    else w = { entries: [], head: 0, sum: 0, byMember: new Map() };
    const count = w.entries.length - w.head;

    // Requests: refused while rpm admissions are in the window; retry when enough of the oldest have left.
    let requestWait = 0;
    if (count >= rpm) requestWait = w.entries[w.head + count - rpm]!.ts + WINDOW_MS - now;

    // Tokens: walk the oldest reservations until the freed amount lets this request fit.
    let tokenWait = 0;
    const need = tokensToFree(w.sum, tokens, tpm);
    if (need > 0) {
      let freed = 0;
      tokenWait = WINDOW_MS; // fallback, unreachable while sum is consistent
      for (let i = w.head; i < w.entries.length; i++) {
        const e = w.entries[i]!;
        freed += e.tokens;
        if (freed >= need) {
          tokenWait = e.ts + WINDOW_MS - now;
          break;
        }
      }
    }

    const inFlight = this.inFlightOf(input.keyId);
    const full = inFlight >= input.maxConcurrent;
    if (requestWait > 0 || tokenWait > 0 || full) {
      if (count === 0) this.keys.delete(input.keyId);
      return buildResult(input, {
        allowed: false,
        reason: requestWait > 0 ? 'requests' : tokenWait > 0 ? 'tokens' : 'concurrency',
        retryAfterMs: requestWait > 0 || tokenWait > 0 ? Math.max(requestWait, tokenWait) : CONCURRENCY_RETRY_MS,
        inFlight,
        count,
        sum: w.sum,
        oldest: count > 0 ? w.entries[w.head]!.ts : null,
      });
    }

    // A reused requestId still counts as a separate admission (same rule as the Lua script).
    let member = input.requestId;
    for (let n = 2; w.byMember.has(member); n++) member = `${input.requestId}#${n}`;
    const entry: Entry = { ts: now, member, tokens };
    insertByTime(w.entries, w.head, entry);
    w.byMember.set(member, entry);
    w.sum += tokens;
    this.keys.set(input.keyId, w);
    let held = this.inFlight.get(input.keyId);
    if (!held) this.inFlight.set(input.keyId, (held = new Map()));
    held.set(input.requestId, (held.get(input.requestId) ?? 0) + 1);
    return buildResult(input, {
      allowed: true,
      retryAfterMs: 0,
      inFlight: inFlight + 1,
      count: count + 1,
      sum: w.sum,
      oldest: w.entries[w.head]!.ts,
    });
  }

  async settle(req: SettleRequest): Promise<void> {
    const { keyId, requestId, tokens, now } = normaliseSettle(req);
    this.release(keyId, requestId);
    const entry = this.keys.get(keyId)?.byMember.get(requestId);
    if (!entry || entry.ts <= now - WINDOW_MS) return; // gone or out of the window: nothing to adjust
    const w = this.keys.get(keyId)!;
    w.sum += tokens - entry.tokens;
    entry.tokens = tokens;
  }

  private release(keyId: string, requestId: string): void {
    const held = this.inFlight.get(keyId);
    const n = held?.get(requestId);
    if (!held || n === undefined) return;
    if (n > 1) held.set(requestId, n - 1);
    else held.delete(requestId);
    if (held.size === 0) this.inFlight.delete(keyId);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.keys.clear();
    this.inFlight.clear();
  }
}

/** Appends (the usual case) or, when `now` went backwards, inserts keeping entries ordered by ts. */
function insertByTime(entries: Entry[], head: number, entry: Entry): void {
  const last = entries[entries.length - 1];
  if (!last || last.ts <= entry.ts) {
    entries.push(entry);
    return;
  }
  let lo = head;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.ts <= entry.ts) lo = mid + 1;
    else hi = mid;
  }
  entries.splice(lo, 0, entry);
}
