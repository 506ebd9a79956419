// The embedded response store: bounded by the bytes of its entries, least recently used out first; entries past
// their TTL are misses. And the entry format: what it cannot read back is a miss, not an answer.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryResponseStore } from './store.js';
import { decodeAnswer, encodeAnswer } from './entry.js';

describe('MemoryResponseStore', () => {
  afterEach(() => vi.useRealTimers());

  it('drops the least recently used entries once the total bytes would pass the bound', async () => {
    const store = new MemoryResponseStore(30);
    await store.set('a', 'x'.repeat(10), 60);
    await store.set('b', 'y'.repeat(10), 60);
    await store.set('c', 'z'.repeat(10), 60);
    expect(await store.get('a')).toBe('x'.repeat(10)); // a is now the most recent
    await store.set('d', 'w'.repeat(10), 60);
    expect(await store.get('b')).toBeNull();
    expect(await store.get('a')).not.toBeNull();
    expect(await store.get('c')).not.toBeNull();
    expect(await store.get('d')).not.toBeNull();
    expect(store.bytes).toBe(30);
  });

  it('counts UTF-8 bytes and keeps nothing bigger than the bound', async () => {
    const store = new MemoryResponseStore(8);
    await store.set('big', 'ü'.repeat(5), 60); // 10 bytes
    expect(await store.get('big')).toBeNull();
    expect(store.bytes).toBe(0);
    await store.set('fits', 'ü'.repeat(4), 60);
    expect(store.bytes).toBe(8);
    await store.set('fits', 'ok', 60);
    expect(store.bytes).toBe(2);
    expect(store.size).toBe(1);
  });

  it('answers null for an entry past its TTL and frees its bytes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const store = new MemoryResponseStore(100);
    await store.set('a', 'value', 5);
    vi.setSystemTime(new Date('2026-01-01T00:00:04Z'));
    expect(await store.get('a')).toBe('value');
    vi.setSystemTime(new Date('2026-01-01T00:00:05Z'));
    expect(await store.get('a')).toBeNull();
    expect(store.bytes).toBe(0);
  });
});

describe('cached answer entries', () => {
  it('round-trip, and anything else reads as no entry', () => {
    const answer = { kind: 'stream' as const, body: 'data: {}\n\ndata: [DONE]\n\n', tokens: 12 };
    expect(decodeAnswer(encodeAnswer(answer))).toEqual(answer);
    expect(decodeAnswer('not json')).toBeNull();
    expect(decodeAnswer(JSON.stringify({ v: 2, k: 'whole', b: '', t: 0 }))).toBeNull();
    expect(decodeAnswer(JSON.stringify({ v: 1, k: 'whole', b: 1, t: 0 }))).toBeNull();
  });
});
