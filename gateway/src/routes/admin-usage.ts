// GET /admin/usage: usage summary by key and model over a time range (default: the last 24 hours), with
// nearest-rank latency percentiles per group and over the whole range. The route runner checks the admin token.
import { z } from 'zod';
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import { parseBody } from './schemas.js';
import { GatewayError } from '../errors.js';
import type { UsageWireSummary } from './usage-wire.js';

const instant = z
  .string()
  .refine((value) => Number.isFinite(Date.parse(value)) || /^\d+$/.test(value), 'must be ISO 8601 or unix seconds')
  .transform((value) => (/^\d+$/.test(value) ? new Date(Number(value) * 1000) : new Date(value)));

const usageQuery = z.strictObject({
  from: instant.optional(),
  to: instant.optional(),
  key_id: z.string().min(1).max(100).optional(),
  model: z.string().min(1).max(256).optional(),
});

export async function usageSummary(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const query = parseBody(usageQuery, Object.fromEntries(ctx.query));
  const to = query.to ?? new Date();
  const from = query.from ?? new Date(to.getTime() - 24 * 3_600_000);
  if (from >= to) throw new GatewayError('invalid_request', "'from' must be before 'to'.", { param: 'from' });
  const filter = {
    from,
    to,
    ...(query.key_id ? { keyId: query.key_id } : {}),
    ...(query.model ? { model: query.model } : {}),
  };
  const [rows, latency] = await Promise.all([deps.store.usageSummary(filter), deps.store.latencyPercentiles(filter)]);
  const totals = rows.reduce(
    (sum, row) => ({
      requests: sum.requests + row.requests,
      errors: sum.errors + row.errors,
      prompt_tokens: sum.prompt_tokens + row.promptTokens,
      completion_tokens: sum.completion_tokens + row.completionTokens,
      cached_requests: sum.cached_requests + row.cachedRequests,
      cached_tokens: sum.cached_tokens + row.cachedTokens,
    }),
    { requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, cached_requests: 0, cached_tokens: 0 },
  );
  const body: UsageWireSummary = {
    object: 'usage_summary',
    from: from.toISOString(),
    to: to.toISOString(),
    totals: { ...totals, p50_latency_ms: latency.p50, p95_latency_ms: latency.p95, p99_latency_ms: latency.p99 },
    data: rows.map((row) => ({
      key_id: row.keyId,
      model: row.model,
      requests: row.requests,
      errors: row.errors,
      prompt_tokens: row.promptTokens,
      completion_tokens: row.completionTokens,
      cached_requests: row.cachedRequests,
      cached_tokens: row.cachedTokens,
      avg_latency_ms: Math.round(row.avgLatencyMs * 10) / 10,
      p50_latency_ms: row.p50LatencyMs,
      p95_latency_ms: row.p95LatencyMs,
    })),
  };
  deps.respond.json(ctx, 200, body);
}
