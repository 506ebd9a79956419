// A token bucket: `burst` tokens, refilled at `perSecond`; take() spends one if there is one. Time is passed in so
// callers (and tests) decide the clock.
export class TokenBucket {
  private tokens: number;
  private last = -Infinity;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    if (!(perSecond >= 0) || !(burst >= 1)) throw new RangeError('perSecond must be >= 0 and burst >= 1');
    this.tokens = burst;
  }

  take(now: number): boolean {
    if (this.last !== -Infinity)
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whether a take() now would succeed, without spending. */
  peek(now: number): boolean {
    const tokens =
      this.last === -Infinity
        ? this.tokens
        : Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    return tokens >= 1;
  }
}
