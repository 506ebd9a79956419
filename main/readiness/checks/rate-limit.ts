// Check 12: a temporary key with RPM 1 gets 429 with retry-after and the rate-limit headers on its second
// request, in OpenAI's envelope. The key is revoked right after (and by the run's cleanup at the latest).
import { bearer, call, clip, isEnvelope } from '../http.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';

const RATE_HEADERS = ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'];

export const rateLimitCheck: CheckDefinition = {
  id: 'rate-limit',
  number: 12,
  title: 'Rate limiting',
  timeoutMs: 120_000,
  async run(ctx): Promise<CheckOutcome> {
    if (!ctx.canAdmin) {
      return {
        status: 'skip',
        reason: 'needs a temporary key with a tiny RPM, which needs the admin token (--admin-token)',
      };
    }
    const model = await ctx.model();
    const temp = await ctx.tempKey({ name: 'readiness-rate-limit', rpm: 1 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const answer = await call(`${ctx.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { ...bearer(temp.key), 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1 }),
          signal: ctx.signal,
        });
        statuses.push(answer.status);
        if (answer.status !== 429) continue;
        const headers = Object.fromEntries(
          ['retry-after', ...RATE_HEADERS].map((name) => [name, answer.headers.get(name)]),
        );
        const details = { model, statuses, headers, body: answer.json ?? clip(answer.text) };
        const missing = Object.entries(headers)
          .filter(([, value]) => value === null)
          .map(([name]) => name);
        if (missing.length > 0 || !(Number(headers['retry-after']) > 0)) {
          return {
            status: 'fail',
            summary: `429 without ${missing.join(', ') || 'a positive retry-after'}`,
            fix: "A proxy strips the gateway's rate-limit headers; let them pass.",
            details,
          };
        }
        if (!isEnvelope(answer.json, 'rate_limit_exceeded')) {
          return {
            status: 'fail',
            summary: `429 without OpenAI's envelope: ${clip(answer.text)}`,
            fix: "A proxy replaced the gateway's 429 body; let it pass.",
            details,
          };
        }
        return {
          status: 'pass',
          summary: `request ${i + 1} with RPM 1 → 429, retry-after ${headers['retry-after']} s, limit ${headers['x-ratelimit-limit-requests']}`,
          details,
        };
      }
      return {
        status: 'fail',
        summary: `3 requests on an RPM-1 key got ${statuses.join(', ')} — never 429`,
        fix: "Per-key limits are not enforced: check the gateway's limiter (Redis reachable? LIMITS_FAIL_MODE) and its log.",
        details: { model, statuses },
      };
    } finally {
      await ctx.revokeKey(temp.id).catch(() => undefined);
    }
  },
};
