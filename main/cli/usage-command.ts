// `llm-gateway usage`: what the dashboard's usage table shows (per key and model: requests, errors, tokens,
// latency) with totals and nearest-rank latency percentiles over the whole range, read from the gateway's store
// (DATABASE_URL, or SQLITE_PATH) like `keys`, so it works whether or not a gateway is running.
import { CliError } from './errors.js';
import { withStore } from './keys-command.js';
import { formatCount, outputStyle, table } from './output.js';

export interface UsageFlags {
  from?: string;
  to?: string;
  key?: string;
  model?: string;
  json?: boolean;
}

const DAY_MS = 86_400_000;

function ms(value: number | null): string {
  return value === null ? '-' : `${Math.round(value)} ms`;
}

export async function runUsage(flags: UsageFlags): Promise<void> {
  const to = flags.to ? new Date(flags.to) : new Date();
  const from = flags.from ? new Date(flags.from) : new Date(to.getTime() - DAY_MS);
  if (!(from < to))
    throw new CliError('usage', `--from (${from.toISOString()}) must be before --to (${to.toISOString()}).`, {
      next: 'For example: llm-gateway usage --from 7d, or --from 2026-05-01 --to 2026-05-08',
    });
  const query = {
    from,
    to,
    ...(flags.key ? { keyId: flags.key } : {}),
    ...(flags.model ? { model: flags.model } : {}),
  };
  const { rows, latency, names } = await withStore(async (store) => {
    const [rows, latency, keys] = await Promise.all([
      store.usageSummary(query),
      store.latencyPercentiles(query),
      store.listKeys(),
    ]);
    return { rows, latency, names: new Map(keys.map((k) => [k.id, k.name])) };
  });
  const totals = rows.reduce(
    (sum, row) => ({
      requests: sum.requests + row.requests,
      errors: sum.errors + row.errors,
      promptTokens: sum.promptTokens + row.promptTokens,
      completionTokens: sum.completionTokens + row.completionTokens,
    }),
    { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0 },
  );
  if (flags.json) {
    console.log(
      JSON.stringify({
        from: from.toISOString(),
        to: to.toISOString(),
        totals: {
          ...totals,
          errorRate: totals.requests > 0 ? totals.errors / totals.requests : 0,
          p50LatencyMs: latency.p50,
          p95LatencyMs: latency.p95,
          p99LatencyMs: latency.p99,
        },
        rows: rows.map((row) => ({ ...row, keyName: names.get(row.keyId) ?? null })),
      }),
    );
    return;
  }
  const style = outputStyle();
  console.log(`Usage ${from.toISOString()} → ${to.toISOString()}`);
  if (rows.length === 0) return void console.log('No requests in this range.');
  const body = rows.map((row) => [
    names.get(row.keyId) ?? row.keyId,
    row.model,
    formatCount(row.requests),
    formatCount(row.errors),
    formatCount(row.promptTokens),
    formatCount(row.completionTokens),
    ms(row.avgLatencyMs),
    ms(row.p50LatencyMs),
    ms(row.p95LatencyMs),
  ]);
  body.push([
    style.paint('bold', 'TOTAL'),
    '',
    formatCount(totals.requests),
    formatCount(totals.errors),
    formatCount(totals.promptTokens),
    formatCount(totals.completionTokens),
    '',
    ms(latency.p50),
    ms(latency.p95),
  ]);
  console.log(
    table(['KEY', 'MODEL', 'REQUESTS', 'ERRORS', 'PROMPT TOK', 'COMPL TOK', 'AVG', 'P50', 'P95'], body, {
      width: style.width,
      right: [2, 3, 4, 5, 6, 7, 8],
    }),
  );
  const rate = totals.requests > 0 ? ((totals.errors / totals.requests) * 100).toFixed(1) : '0.0';
  console.log(
    `${formatCount(totals.requests)} requests, ${rate}% errors, ` +
      `${formatCount(totals.promptTokens + totals.completionTokens)} tokens; ` +
      `latency p50 ${ms(latency.p50)} · p95 ${ms(latency.p95)} · p99 ${ms(latency.p99)}`,
  );
}
