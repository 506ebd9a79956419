// CORS, owned by the gateway alone (Nginx adds none): exactly one Access-Control-Allow-Origin value per answer.
import type { IncomingMessage } from 'node:http';

export const CORS_METHODS = 'GET, POST, OPTIONS, PUT, PATCH, DELETE';
export const CORS_HEADERS = [
  'Authorization',
  'Content-Type',
  'X-Requested-With',
  // Anthropic clients in a browser (the @anthropic-ai/sdk with dangerouslyAllowBrowser) send these.
  'x-api-key',
  'anthropic-version',
  'anthropic-beta',
  'anthropic-dangerous-direct-browser-access',
  // The response cache's per-request opt-in/out (README "Response cache").
  'x-llmgw-cache',
];
export const CORS_MAX_AGE = '3600';
const EXPOSED = [
  'x-request-id',
  'x-instance',
  'retry-after',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
  'x-cache',
].join(', ');

const ANY_ORIGIN: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSED,
});
const VARY_ORIGIN: Readonly<Record<string, string>> = Object.freeze({ vary: 'Origin' });
const NONE: Readonly<Record<string, string>> = Object.freeze({});

export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: Set<string>;

  constructor(origins: string[]) {
    this.any = origins.includes('*');
    this.origins = new Set(origins.map((origin) => origin.toLowerCase()));
  }

  /**
   * Headers for an ordinary answer (read-only: shared between answers). A disallowed origin gets no CORS
   * headers, so the browser blocks it.
   */
  headersFor(req: IncomingMessage): Readonly<Record<string, string>> {
    if (this.any) return ANY_ORIGIN;
    const origin = req.headers.origin;
    if (origin && this.origins.has(origin.toLowerCase())) {
      return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED, vary: 'Origin' };
    }
    return this.origins.size > 0 ? VARY_ORIGIN : NONE;
  }

  /**
   * The preflight-only headers (the responder adds the origin headers of every answer).
   * Requested extra headers (e.g. the OpenAI SDK's x-stainless-*) are allowed too.
   */
  preflightHeaders(req: IncomingMessage): Record<string, string> {
    if (!this.headersFor(req)['access-control-allow-origin']) return {};
    const allowed = [...CORS_HEADERS];
    const requested = req.headers['access-control-request-headers'];
    if (typeof requested === 'string') {
      const known = new Set(allowed.map((header) => header.toLowerCase()));
      for (const header of requested.split(',')) {
        const name = header.trim();
        if (/^[\w-]{1,64}$/.test(name) && !known.has(name.toLowerCase())) {
          known.add(name.toLowerCase());
          allowed.push(name);
        }
      }
    }
    return {
      'access-control-allow-methods': CORS_METHODS,
      'access-control-allow-headers': allowed.join(', '),
      'access-control-max-age': CORS_MAX_AGE,
    };
  }
}
