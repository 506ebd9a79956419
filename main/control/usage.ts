// Usage for the dashboard's charts: the admin API answers one summary per range, so a range is split into equal
// buckets and each bucket asked for in parallel; the whole range gives the per-key/per-model table and totals.
import { ControlError } from './errors.js';
import type { AdminClient, UsageRow } from './keys/admin-client.js';
import type { UsageBucket, UsageReport } from '../../common/protocol/views.js';
export type { UsageBucket, UsageReport } from '../../common/protocol/views.js';

export interface UsageQuery {
  from: string;
  to?: string | undefined;
  buckets?: number | undefined;
  keyId?: string | undefined;
  model?: string | undefined;
}

export function bucketsOf(from: number, to: number, count: number): Array<{ from: number; to: number }> {
  const step = (to - from) / count;
  return Array.from({ length: count }, (_, i) => ({
    from: Math.round(from + i * step),
    to: i === count - 1 ? to : Math.round(from + (i + 1) * step),
  }));
}

export function bucketOf(range: { from: string; to: string }, rows: UsageRow[]): UsageBucket {
  const bucket: UsageBucket = {
    from: range.from,
    to: range.to,
    requests: 0,
    errors: 0,
    promptTokens: 0,
    completionTokens: 0,
    avgLatencyMs: null,
    p50LatencyMs: null,
    p95LatencyMs: null,
    byKey: {},
    byModel: {},
  };
  let latencyWeight = 0;
  for (const row of rows) {
    const tokens = row.prompt_tokens + row.completion_tokens;
    bucket.requests += row.requests;
    bucket.errors += row.errors;
    bucket.promptTokens += row.prompt_tokens;
    bucket.completionTokens += row.completion_tokens;
    latencyWeight += row.avg_latency_ms * row.requests;
    const k = (bucket.byKey[row.key_id] ??= { requests: 0, tokens: 0 });
    k.requests += row.requests;
    k.tokens += tokens;
    const m = (bucket.byModel[row.model] ??= { requests: 0, tokens: 0 });
    m.requests += row.requests;
    m.tokens += tokens;
  }
  if (bucket.requests > 0) bucket.avgLatencyMs = Math.round((latencyWeight / bucket.requests) * 10) / 10;
  return bucket;
}

export async function usageReport(admin: AdminClient, query: UsageQuery, now = Date.now()): Promise<UsageReport> {
  const from = Date.parse(query.from);
  const to = query.to ? Date.parse(query.to) : now;
  if (!(from < to))
    throw new ControlError('invalid_input', "usage.get: 'from' must be before 'to'.", { field: 'from' });
  const filter = { ...(query.keyId ? { keyId: query.keyId } : {}), ...(query.model ? { model: query.model } : {}) };
  const ranges = bucketsOf(from, to, query.buckets ?? 12).map((r) => ({
    from: new Date(r.from).toISOString(),
    to: new Date(r.to).toISOString(),
  }));
  const [whole, ...parts] = await Promise.all([
    admin.usage({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...filter }),
    ...ranges.map((r) => admin.usage({ ...r, ...filter })),
  ]);
  return {
    from: whole!.from,
    to: whole!.to,
    totals: whole!.totals,
    errorRate: whole!.totals.requests > 0 ? whole!.totals.errors / whole!.totals.requests : 0,
    rows: whole!.data,
    series: ranges.map((r, i) => ({
      ...bucketOf(r, parts[i]!.data),
      // Percentiles do not add up across rows: each bucket's come from the gateway over all its requests.
      p50LatencyMs: parts[i]!.totals.p50_latency_ms ?? null,
      p95LatencyMs: parts[i]!.totals.p95_latency_ms ?? null,
    })),
  };
}
