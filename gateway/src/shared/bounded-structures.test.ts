import { describe, expect, it } from 'vitest';
import { BoundedLru } from './bounded-lru.js';
import { TokenBucket } from './token-bucket.js';

describe('BoundedLru', () => {
  it('evicts the least recently used entry at capacity; a get refreshes an entry', () => {
    const lru = new BoundedLru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at its rate', () => {
    const bucket = new TokenBucket(2, 3);
    const t = 1_000_000;
    expect([bucket.take(t), bucket.take(t), bucket.take(t), bucket.take(t)]).toEqual([true, true, true, false]);
    expect(bucket.peek(t + 499)).toBe(false);
    expect(bucket.take(t + 500)).toBe(true);
    expect(bucket.take(t + 500)).toBe(false);
    expect([
      bucket.take(t + 10_000),
      bucket.take(t + 10_000),
      bucket.take(t + 10_000),
      bucket.take(t + 10_000),
    ]).toEqual([true, true, true, false]);
  });
});
