import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressResolver } from './client-address.js';

const request = (peer: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress: peer }, headers }) as unknown as IncomingMessage;

describe('clientAddressResolver', () => {
  it('uses the socket address when no proxy is trusted, whatever the headers say', () => {
    const of = clientAddressResolver([]);
    expect(of(request('::ffff:10.0.0.5', { 'x-real-ip': '1.2.3.4' }))).toBe('10.0.0.5');
  });

  it("takes a trusted proxy's X-Real-IP, else the last X-Forwarded-For hop; ignores them from others", () => {
    const of = clientAddressResolver(['10.1.0.0/16', '192.0.2.1']);
    expect(of(request('10.1.2.3', { 'x-real-ip': '203.0.113.9' }))).toBe('203.0.113.9');
    expect(of(request('192.0.2.1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.10' }))).toBe('203.0.113.10');
    expect(of(request('192.0.2.1', { 'x-real-ip': 'not-an-ip' }))).toBe('192.0.2.1');
    expect(of(request('10.2.0.1', { 'x-real-ip': '203.0.113.9' }))).toBe('10.2.0.1');
  });

  it('resolves a proxy given by host name', async () => {
    const of = clientAddressResolver(['localhost']);
    for (let i = 0; i < 100 && of(request('127.0.0.1', { 'x-real-ip': '203.0.113.1' })) !== '203.0.113.1'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(of(request('127.0.0.1', { 'x-real-ip': '203.0.113.1' }))).toBe('203.0.113.1');
  });

  it('refuses a rule that is neither an address nor a host name', () => {
    expect(() => clientAddressResolver(['10.0.0.0/8', 'not a host!'])).toThrow(/TRUSTED_PROXIES/);
  });
});
