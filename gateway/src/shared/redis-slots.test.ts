// Slot arithmetic and grouping without a server: known CRC16 slots, hash-tag rules, and one group on one server
// (the single-node path pipelines as before). Agreement with a real cluster: test/gateway/redis-cluster.cluster.ts.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { groupBySlot, keySlot, slotGroup } from './redis-slots.js';

describe('keySlot', () => {
  it('is CRC16-XMODEM mod 16384', () => {
    expect(keySlot('123456789')).toBe(0x31c3); // the CRC16-XMODEM check value
    expect(keySlot('foo')).toBe(12182); // the Redis Cluster specification's example
  });

  it('hashes only the first non-empty {tag}', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(keySlot('llmgw:rl:{key_1}:log')).toBe(keySlot('key_1'));
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar')); // an empty first tag: the whole key counts
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    expect(keySlot('x{y')).not.toBe(keySlot('y')); // no closing brace: the whole key
  });
});

describe('slotGroup on one server', () => {
  it('puts every key in one group', () => {
    const redis = new Redis({ lazyConnect: true });
    try {
      expect(slotGroup(redis, 'a')).toBe('');
      expect(groupBySlot(redis, ['a', 'b', '{c}x'], (k) => k)).toEqual([['a', 'b', '{c}x']]);
    } finally {
      redis.disconnect();
    }
  });
});
