// The benchmark report: medians of the repetitions with their spread, ratios against the floor proxy,
// added latency against direct, and the targets marked as held or not.
import type { WrkResult } from './wrk.js';
import type { StreamResult } from './streams.js';
import type { LoopDelay } from './processes.js';

export interface Rep {
  c1: WrkResult;
  c32: WrkResult;
  c128: WrkResult | null;
  burst: StreamResult;
  /** Anthropic Messages streams (/v1/messages, x-api-key), c=32; absent in results from before it was added. */
  anthropic?: StreamResult;
  /** Ollama native NDJSON streams (/api/chat), c=32; absent in results from before it was added. */
  ndjson?: StreamResult;
  paced: StreamResult;
  cpuPerRequestUs: number | null;
  rssMb: number;
  rssAnonMb?: number;
  /** RSS right after start (one key created, no load); absent in older results. */
  idleRssMb?: number | null;
  /** Event-loop delay of the system under test during the c=32 load (null: not measured, e.g. the stack). */
  loopC32?: LoopDelay | null;
}

export interface TargetResult {
  target: string;
  reps: Rep[];
}

interface Stat {
  median: number;
  min: number;
  max: number;
}

function stat(values: Array<number | null | undefined>): Stat | null {
  const clean = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (clean.length === 0) return null;
  return { median: clean[Math.floor(clean.length / 2)]!, min: clean[0]!, max: clean.at(-1)! };
}

function show(s: Stat | null, digits = 0): string {
  if (!s) return '–';
  const f = (n: number) => n.toFixed(digits);
  return s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

export function printReport(
  results: TargetResult[],
  meta: { quick: boolean; reps: number; seconds: number; notes?: string[] },
) {
  const rows = results.map((r) => ({
    target: r.target,
    c1Rps: stat(r.reps.map((x) => x.c1.rps)),
    c1P50: stat(r.reps.map((x) => x.c1.p50Ms)),
    c1P99: stat(r.reps.map((x) => x.c1.p99Ms)),
    c1Max: stat(r.reps.map((x) => x.c1.maxMs)),
    c32Max: stat(r.reps.map((x) => x.c32.maxMs)),
    loopP99: stat(r.reps.map((x) => x.loopC32?.p99Ms)),
    idleRss: stat(r.reps.map((x) => x.idleRssMb)),
    c32Rps: stat(r.reps.map((x) => x.c32.rps)),
    c32P50: stat(r.reps.map((x) => x.c32.p50Ms)),
    c32P99: stat(r.reps.map((x) => x.c32.p99Ms)),
    c128Rps: stat(r.reps.map((x) => x.c128?.rps)),
    c128P99: stat(r.reps.map((x) => x.c128?.p99Ms)),
    burst: stat(r.reps.map((x) => x.burst.streamsPerSecond)),
    anthropic: stat(r.reps.map((x) => x.anthropic?.streamsPerSecond)),
    ndjson: stat(r.reps.map((x) => x.ndjson?.streamsPerSecond)),
    pacedTtfb: stat(r.reps.map((x) => x.paced.ttfbP50Ms)),
    pacedTotal: stat(r.reps.map((x) => x.paced.totalP50Ms)),
    cpuUs: stat(r.reps.map((x) => x.cpuPerRequestUs)),
    rss: stat(r.reps.map((x) => x.rssMb)),
    rssAnon: stat(r.reps.map((x) => x.rssAnonMb)),
    errors: r.reps.reduce(
      (n, x) =>
        n +
        x.c1.errors +
        x.c1.non2xx +
        x.c32.errors +
        x.c32.non2xx +
        (x.c128 ? x.c128.errors + x.c128.non2xx : 0) +
        x.burst.failed +
        (x.anthropic?.failed ?? 0) +
        (x.ndjson?.failed ?? 0) +
        x.paced.failed,
      0,
    ),
  }));
  const by = (name: string) => rows.find((row) => row.target === name);
  const floor = by('floor');
  const direct = by('direct');
  const ratio = (a: Stat | null, b: Stat | null) => (a && b ? a.median / b.median : null);

  const lines = [
    `| target | c=1 req/s | c=1 p50 ms | +p50 vs direct | c=1 p99 ms | c=1 max ms | c=32 req/s | c=32 p99 ms | c=32 max ms | loop delay p99 ms (c=32) | c=128 req/s | c=32 × floor | burst streams/s | burst × floor | anthropic streams/s | anthropic × floor | ndjson streams/s | ndjson × floor | paced TTFB ms | paced total ms | CPU µs/req | idle RSS MB | RSS MB | anon MB | errors |`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`,
    ...rows.map((row) =>
      [
        row.target,
        show(row.c1Rps),
        show(row.c1P50, 3),
        direct && row.c1P50 && direct.c1P50 ? (row.c1P50.median - direct.c1P50.median).toFixed(3) : '–',
        show(row.c1P99, 2),
        show(row.c1Max, 1),
        show(row.c32Rps),
        show(row.c32P99, 2),
        show(row.c32Max, 1),
        show(row.loopP99, 2),
        show(row.c128Rps),
        ratio(row.c32Rps, floor?.c32Rps ?? null)?.toFixed(2) ?? '–',
        show(row.burst),
        ratio(row.burst, floor?.burst ?? null)?.toFixed(2) ?? '–',
        show(row.anthropic),
        ratio(row.anthropic, floor?.anthropic ?? null)?.toFixed(2) ?? '–',
        show(row.ndjson),
        ratio(row.ndjson, floor?.ndjson ?? null)?.toFixed(2) ?? '–',
        show(row.pacedTtfb, 2),
        show(row.pacedTotal, 1),
        show(row.cpuUs),
        show(row.idleRss),
        show(row.rss),
        show(row.rssAnon),
        String(row.errors),
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
  ];

  const checks: Array<{ target: string; held: boolean | null; value: string }> = [];
  const check = (target: string, value: number | null, limit: number, cmp: 'ge' | 'le', unit = '') =>
    checks.push({
      target,
      held: value === null ? null : cmp === 'ge' ? value >= limit : value <= limit,
      value:
        value === null ? 'not measured' : `${value.toFixed(3)}${unit} (${cmp === 'ge' ? '≥' : '≤'} ${limit}${unit})`,
    });
  const emb = by('embedded');
  const pgr = by('pg+redis');
  const diff = (a: Stat | null | undefined, b: Stat | null | undefined) => (a && b ? a.median - b.median : null);
  // Issue 18's targets (ratios and differences within one run: absolute figures are the machine's load).
  check('embedded c=1 p99 − floor p99', diff(emb?.c1P99, floor?.c1P99), 2, 'le', ' ms');
  check('embedded c=32 p99 − floor p99', diff(emb?.c32P99, floor?.c32P99), 2, 'le', ' ms');
  check('embedded event-loop delay p99 under c=32', emb?.loopP99?.median ?? null, 5, 'le', ' ms');
  check('pg+redis c=1 p50 − floor p50', diff(pgr?.c1P50, floor?.c1P50), 0.4, 'le', ' ms');
  check('pg+redis c=32 req/s ÷ floor', ratio(pgr?.c32Rps ?? null, floor?.c32Rps ?? null), 0.6, 'ge');
  check('embedded RSS after load', emb?.rss?.median ?? null, 110, 'le', ' MB');
  // Held before issue 18 and still to hold.
  check('embedded c=32 req/s ÷ floor', ratio(emb?.c32Rps ?? null, floor?.c32Rps ?? null), 0.7, 'ge');
  check('embedded burst streams/s ÷ floor', ratio(emb?.burst ?? null, floor?.burst ?? null), 0.85, 'ge');
  check('embedded paced TTFB − floor', diff(emb?.pacedTtfb, floor?.pacedTtfb), 0.2, 'le', ' ms');
  check('embedded CPU per request ÷ floor', ratio(emb?.cpuUs ?? null, floor?.cpuUs ?? null), 1.25, 'le');
  check('embedded c=1 p50 − floor p50', diff(emb?.c1P50, floor?.c1P50), 0.3, 'le', ' ms');

  // The protocol workloads have no target of their own: their ratios say whether a protocol's relay costs more
  // than the chat-completions stream's (compare with "burst × floor" of the same target).
  const protocolRatios = rows
    .filter((row) => row.target !== 'floor' && row.target !== 'direct')
    .map((row) => ({
      target: row.target,
      burst: ratio(row.burst, floor?.burst ?? null),
      anthropic: ratio(row.anthropic, floor?.anthropic ?? null),
      ndjson: ratio(row.ndjson, floor?.ndjson ?? null),
    }));
  const fmt = (n: number | null) => (n === null ? 'not measured' : n.toFixed(2));

  const out = [
    `\nLLM Gateway benchmark — ${meta.reps} rep(s) × ${meta.seconds}s per workload${meta.quick ? ' (quick smoke: timings not meaningful)' : ''}; medians (min–max)`,
    `SUT pinned to core 0; load generator (wrk -t1) and upstream on core 1 (direct: wrk on core 0).\n`,
    ...lines,
    ...(meta.notes?.length ? ['', ...meta.notes.map((note) => `Note: ${note}`)] : []),
    '\nStreams per protocol × floor (same run; OpenAI SSE · Anthropic SSE · Ollama NDJSON):',
    ...protocolRatios.map(
      (p) => `  ${p.target}: openai ${fmt(p.burst)} · anthropic ${fmt(p.anthropic)} · ndjson ${fmt(p.ndjson)}`,
    ),
    '\nTargets:',
    ...checks.map((c) => `  ${c.held === null ? '·' : c.held ? '✓' : '✗'} ${c.target}: ${c.value}`),
  ].join('\n');
  process.stdout.write(`${out}\n`);
  return { table: lines, checks, protocolRatios, notes: meta.notes ?? [] };
}
