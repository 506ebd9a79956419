// GET /health (liveness, no key) and GET /health/ready (each dependency answered, else 503 naming the failing one).
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';

export function health(ctx: RequestContext, deps: GatewayDeps): void {
  deps.respond.json(ctx, 200, {
    status: 'ok',
    timestamp: new Date().toISOString(),
    uptime: Math.round((Date.now() - deps.startedAt) / 1000),
    instance: deps.instance,
  });
}

interface CheckResult {
  ok: boolean;
  ms: number;
  kind?: string;
  error?: string;
  detail?: unknown;
}

async function timed(timeoutMs: number, check: () => Promise<unknown>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - started), ...(detail === undefined ? {} : { detail }) };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - started), error: (err as Error).message ?? String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export async function ready(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const timeoutMs = deps.config.READY_TIMEOUT_MS;
  const [store, limiter, cache, upstreamResults] = await Promise.all([
    timed(timeoutMs, () => deps.store.ping()),
    timed(timeoutMs, () => deps.limiter.ping()),
    timed(timeoutMs, () => deps.shared.ping()),
    Promise.all(
      deps.upstreams.upstreams.map(async (upstream) => ({
        url: upstream.url,
        ...(await timed(timeoutMs, async () => {
          if (!(await deps.upstreams.probe(upstream))) throw new Error(upstream.lastError ?? 'unreachable');
          return { version: upstream.version };
        })),
      })),
    ),
  ]);
  const upstreamsOk = upstreamResults.some((result) => result.ok);
  const checks = {
    store: { ...store, kind: deps.store.kind },
    limiter: { ...limiter, kind: deps.limiter.kind },
    cache: { ...cache, kind: deps.shared.kind },
    upstreams: { ok: upstreamsOk, ms: Math.max(0, ...upstreamResults.map((r) => r.ms)), detail: upstreamResults },
  };
  const failing = Object.entries(checks)
    .filter(([, result]) => !result.ok)
    .map(([name]) => name);
  if (deps.draining()) failing.push('shutting_down');
  deps.respond.json(ctx, failing.length === 0 ? 200 : 503, {
    status: failing.length === 0 ? 'ready' : 'unavailable',
    instance: deps.instance,
    failing,
    checks,
  });
}
