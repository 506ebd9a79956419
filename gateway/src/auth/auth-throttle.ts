// Failed authentication throttled per client address: a burst of failures, then 429 until the bucket refills.
// Addresses live in a bounded LRU, so a flood from many addresses cannot grow memory. Successes cost nothing.
import { BoundedLru } from '../shared/bounded-lru.js';
import { TokenBucket } from '../shared/token-bucket.js';

export class AuthThrottle {
  private readonly buckets: BoundedLru<string, TokenBucket>;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    capacity = 50_000,
  ) {
    this.buckets = new BoundedLru(capacity);
  }

  /** True when this address has used up its failures: answer 429 without looking at its key. */
  blocked(address: string, now = Date.now()): boolean {
    const bucket = this.buckets.get(address);
    return bucket !== undefined && !bucket.peek(now);
  }

  /** Records one failed authentication of this address. */
  fail(address: string, now = Date.now()): void {
    let bucket = this.buckets.get(address);
    if (!bucket) this.buckets.set(address, (bucket = new TokenBucket(this.perSecond, this.burst)));
    bucket.take(now);
  }
}
