// Usage: requests and tokens over time by key and by model, error rate and average latency, for a chosen range —
// from the gateway's usage API through the control plane (usage.get splits the range into buckets).
import type { UsageReport } from '../bridge/types.js';
import { renderChart, type Series } from '../ui/chart.js';
import { field, h, replace } from '../ui/dom.js';
import { act, errorSlot } from '../ui/errors.js';
import { formatCount, formatPercent } from '../ui/format.js';
import { section, type Panel, type PanelContext } from './panel.js';

export const RANGES = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 24 * 3_600_000 },
] as const;

/** One series per key (or model) with values per bucket. */
export function seriesBy(
  report: UsageReport,
  by: 'byKey' | 'byModel',
  metric: 'requests' | 'tokens',
  names: (id: string) => string = (id) => id,
): Series[] {
  const ids = [...new Set(report.series.flatMap((b) => Object.keys(b[by])))].sort();
  return ids.map((id) => ({ name: names(id), values: report.series.map((b) => b[by][id]?.[metric] ?? 0) }));
}

export function bucketLabel(iso: string, spanMs: number): string {
  const d = new Date(iso);
  return spanMs > 36 * 3_600_000
    ? d.toLocaleDateString([], { month: 'short', day: 'numeric' })
    : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function createUsage({ api }: PanelContext): Panel {
  const el = section('usage', 'Usage', 'Requests, tokens, errors and latency recorded by the gateway.');
  const range = h(
    'select',
    { 'aria-label': 'Range' },
    ...RANGES.map((r) => h('option', { value: r.id, selected: r.id === '1h' }, r.label)),
  );
  const refreshButton = h('button', { type: 'button' }, 'Refresh');
  const errors = errorSlot();
  const totals = h('div', { class: 'cards totals', 'data-testid': 'usage-totals' });
  const charts = h('div', { class: 'charts' });
  const table = h('div', { class: 'table-wrap' });
  let names = new Map<string, string>();

  const load = () =>
    act(refreshButton, errors, async () => {
      const spec = RANGES.find((r) => r.id === range.value) ?? RANGES[0];
      const to = Date.now();
      const [report, keys] = await Promise.all([
        api.call('usage.get', {
          from: new Date(to - spec.ms).toISOString(),
          to: new Date(to).toISOString(),
          buckets: 12,
        }),
        api.call('keys.list').catch(() => []),
      ]);
      names = new Map(keys.map((k) => [k.id, `${k.name} (${k.prefix})`]));
      const name = (id: string) => names.get(id) ?? id;
      const labels = report.series.map((b) => bucketLabel(b.to, spec.ms));
      const t = report.totals;
      const ms = (value: number | null | undefined) =>
        value === null || value === undefined ? '–' : `${Math.round(value)} ms`;
      replace(
        totals,
        h(
          'article',
          { class: 'card' },
          h('h4', {}, 'Requests'),
          h('p', { class: 'big', 'data-testid': 'usage-requests' }, formatCount(t.requests)),
        ),
        h(
          'article',
          { class: 'card' },
          h('h4', {}, 'Tokens'),
          h('p', { class: 'big' }, formatCount(t.prompt_tokens + t.completion_tokens)),
          h('p', { class: 'muted' }, `${formatCount(t.prompt_tokens)} in · ${formatCount(t.completion_tokens)} out`),
        ),
        h(
          'article',
          { class: 'card' },
          h('h4', {}, 'Error rate'),
          h('p', { class: 'big' }, formatPercent(report.errorRate * 100)),
          h('p', { class: 'muted' }, `${t.errors} errors`),
        ),
        h(
          'article',
          { class: 'card' },
          h('h4', {}, 'Latency p50'),
          h('p', { class: 'big', 'data-testid': 'usage-p50' }, ms(t.p50_latency_ms)),
          h('p', { class: 'muted' }, `p95 ${ms(t.p95_latency_ms)} · p99 ${ms(t.p99_latency_ms)}`),
        ),
      );
      replace(
        charts,
        renderChart({ title: 'Requests by model', labels, series: seriesBy(report, 'byModel', 'requests') }),
        renderChart({ title: 'Tokens by key', labels, series: seriesBy(report, 'byKey', 'tokens', name) }),
        renderChart({ title: 'Requests by key', labels, series: seriesBy(report, 'byKey', 'requests', name) }),
        renderChart({
          title: 'Latency percentiles',
          labels,
          unit: ' ms',
          series: [
            { name: 'p50', values: report.series.map((b) => b.p50LatencyMs ?? 0) },
            { name: 'p95', values: report.series.map((b) => b.p95LatencyMs ?? 0) },
          ],
        }),
      );
      replace(
        table,
        report.rows.length === 0
          ? h('p', { class: 'muted' }, 'No requests in this range.')
          : h(
              'table',
              { 'data-testid': 'usage-rows' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...['Key', 'Model', 'Requests', 'Errors', 'Tokens in', 'Tokens out', 'Avg', 'p50', 'p95'].map((x) =>
                    h('th', { scope: 'col' }, x),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                ...report.rows.map((r) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, name(r.key_id)),
                    h('td', {}, r.model),
                    h('td', {}, r.requests),
                    h('td', {}, r.errors),
                    h('td', {}, r.prompt_tokens),
                    h('td', {}, r.completion_tokens),
                    h('td', {}, ms(r.avg_latency_ms)),
                    h('td', {}, ms(r.p50_latency_ms)),
                    h('td', {}, ms(r.p95_latency_ms)),
                  ),
                ),
              ),
            ),
      );
    });
  range.addEventListener('change', () => void load());
  refreshButton.addEventListener('click', () => void load());
  el.append(
    h('div', { class: 'row wrap' }, field('Range', range), refreshButton),
    errors,
    totals,
    charts,
    h('h3', {}, 'By key and model'),
    table,
  );
  return { id: 'usage', title: 'Usage', el, shown: () => void load() };
}
