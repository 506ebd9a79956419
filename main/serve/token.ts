// The serve mode's access token (like Jupyter's): 256 random bits, printed once in the dashboard URL's fragment,
// compared in constant time (hashing both sides first so lengths never leak through timingSafeEqual).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export { TOKEN_HEADER } from '../../common/protocol/wire.js';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenMatches(given: string | undefined | null, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 512) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
