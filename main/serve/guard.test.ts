// Host / Origin rules and the token comparison as pure functions.
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, gatewayOrigins } from './csp.js';
import { ServeError } from './errors.js';
import { allowedHosts, checkHost, checkOrigin } from './guard.js';
import { newToken, tokenMatches } from './token.js';

describe('allowedHosts / checkHost', () => {
  it('allows only loopback names with the port when bound to 127.0.0.1', () => {
    const allowed = allowedHosts('127.0.0.1', 3131);
    expect(() => checkHost({ host: '127.0.0.1:3131' }, allowed)).not.toThrow();
    expect(() => checkHost({ host: 'LOCALHOST:3131' }, allowed)).not.toThrow();
    expect(() => checkHost({ host: '[::1]:3131' }, allowed)).not.toThrow();
    for (const host of ['localhost:3132', 'evil.example:3131', 'localhost', undefined, '127.0.0.1.evil.example:3131']) {
      expect(() => checkHost({ host }, allowed)).toThrow(ServeError);
    }
  });

  it('adds the explicit bind address, or the interface addresses for a wildcard', () => {
    expect(allowedHosts('192.168.1.5', 80).has('192.168.1.5:80')).toBe(true);
    const wild = allowedHosts('0.0.0.0', 80, () => ['10.0.0.2', 'fe80::1']);
    expect(wild.has('10.0.0.2:80')).toBe(true);
    expect(wild.has('[fe80::1]:80')).toBe(true);
    expect(wild.has('evil.example:80')).toBe(false);
  });
});

describe('checkOrigin', () => {
  it('accepts no Origin and the same origin; refuses others and cross-site fetches', () => {
    expect(() => checkOrigin({ host: '127.0.0.1:3131' })).not.toThrow();
    expect(() =>
      checkOrigin({ host: '127.0.0.1:3131', origin: 'http://127.0.0.1:3131', 'sec-fetch-site': 'same-origin' }),
    ).not.toThrow();
    expect(() => checkOrigin({ host: '127.0.0.1:3131', origin: 'http://localhost:3131' })).toThrow(/Origin/);
    expect(() => checkOrigin({ host: '127.0.0.1:3131', origin: 'null' })).toThrow(ServeError);
    expect(() => checkOrigin({ host: '127.0.0.1:3131', 'sec-fetch-site': 'same-site' })).toThrow(/same-site/);
  });
});

describe('token', () => {
  it('is random, URL-safe and compared exactly', () => {
    const a = newToken();
    expect(a).not.toBe(newToken());
    expect(tokenMatches(a, a)).toBe(true);
    expect(tokenMatches(`${a}x`, a)).toBe(false);
    expect(tokenMatches('', a)).toBe(false);
    expect(tokenMatches(undefined, a)).toBe(false);
  });
});

describe('CSP', () => {
  it('connects to self and the gateway origins only', () => {
    const origins = gatewayOrigins(3000, 'http://127.0.0.1:41000');
    expect(origins).toEqual([
      'http://127.0.0.1:3000',
      'http://localhost:3000',
      'http://127.0.0.1:41000',
      'http://localhost:41000',
    ]);
    const csp = contentSecurityPolicy(origins);
    expect(csp).toMatch(/^default-src 'none'; /);
    expect(csp).not.toMatch(/unsafe/);
  });
});
