// The allow-list matcher: IPv4 and IPv6 addresses and ranges, IPv4-mapped IPv6 peers, and keys without a list.
import { describe, expect, it } from 'vitest';
import { addressAllowed } from './ip-allow.js';
import type { KeyRecord } from '../store/types.js';

function key(allowedIps: string[] | null): KeyRecord {
  return {
    id: 'key_1',
    name: 'k',
    hash: 'h',
    prefix: 'llmgw_00000000',
    models: null,
    rpm: null,
    tpm: null,
    maxConcurrent: null,
    allowedIps,
    cache: false,
    createdAt: new Date(),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    replacedBy: null,
  };
}

describe('addressAllowed', () => {
  it('lets every address use a key without an allow-list', () => {
    expect(addressAllowed(key(null), '203.0.113.9')).toBe(true);
    expect(addressAllowed(key(null), '2001:db8::1')).toBe(true);
  });

  it('matches single IPv4 addresses and IPv4 ranges', () => {
    const k = key(['127.0.0.2', '10.1.0.0/16']);
    expect(addressAllowed(k, '127.0.0.2')).toBe(true);
    expect(addressAllowed(k, '127.0.0.3')).toBe(false);
    expect(addressAllowed(k, '10.1.255.7')).toBe(true);
    expect(addressAllowed(k, '10.2.0.1')).toBe(false);
  });

  it('matches IPv4-mapped IPv6 peers against IPv4 rules', () => {
    const k = key(['127.0.0.0/30']);
    expect(addressAllowed(k, '::ffff:127.0.0.2')).toBe(true);
    expect(addressAllowed(k, '::ffff:127.0.0.9')).toBe(false);
  });

  it('matches IPv6 addresses and ranges, and keeps the families apart', () => {
    const k = key(['::1', 'fd00:1234::/32']);
    expect(addressAllowed(k, '::1')).toBe(true);
    expect(addressAllowed(k, 'fd00:1234:5::9')).toBe(true);
    expect(addressAllowed(k, 'fd00:1235::1')).toBe(false);
    expect(addressAllowed(k, '127.0.0.1')).toBe(false);
  });

  it('refuses an address it cannot read', () => {
    expect(addressAllowed(key(['0.0.0.0/0']), 'unknown')).toBe(false);
  });
});
