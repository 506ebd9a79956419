// API key and admin token primitives: generation from a CSPRNG, hashing, format checks, timing-safe compare.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'llmgw_';
const KEY_FORMAT = /^llmgw_[0-9a-f]{64}$/;

export interface GeneratedKey {
  id: string;
  /** The plaintext, shown once to whoever created it. */
  key: string;
  hash: string;
  prefix: string;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(): GeneratedKey {
  const key = KEY_PREFIX + randomBytes(32).toString('hex');
  return { id: `key_${randomUUID().replaceAll('-', '')}`, key, hash: hashKey(key), prefix: displayPrefix(key) };
}

/** Enough of the key to recognise it in a list, far too little to guess it (32 of 256 bits). */
export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 8);
}

export function isWellFormedKey(value: string): boolean {
  return KEY_FORMAT.test(value);
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** Constant-time equality of two secrets of any length (compares their digests). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
