// GET /health (liveness, no key) and GET /health/ready (each dependency answered, else 503 naming the failing one;
// one probe at most every READY_CACHE_MS, shared by concurrent callers; details only with the admin token).
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import { bearerToken, secretsEqual } from '../auth/keys.js';

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

/** The dependency checks of one probe and what they add up to. */
interface ReadyResult {
  failing: string[];
  checks: Record<string, unknown>;
  at: number;
}

async function probe(deps: GatewayDeps): Promise<ReadyResult> {
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
  return { failing, checks, at: Date.now() };
}

/** A probe result is reused this long, and concurrent callers share the probe in flight (a flood costs one probe). */
export const READY_CACHE_MS = 1000;

const results = new WeakMap<GatewayDeps, { result?: ReadyResult; pending?: Promise<ReadyResult> }>();

function readyResult(deps: GatewayDeps): Promise<ReadyResult> {
  let slot = results.get(deps);
  if (!slot) results.set(deps, (slot = {}));
  const { result } = slot;
  if (result && Date.now() - result.at < READY_CACHE_MS) return Promise.resolve(result);
  if (slot.pending) return slot.pending;
  const pending = probe(deps).finally(() => {
    if (slot.pending === pending) slot.pending = undefined;
  });
  slot.pending = pending;
  void pending.then((fresh) => (slot.result = fresh)).catch(() => undefined);
  return pending;
}

/**
 * GET /health/ready: 200 when every dependency answered, else 503 naming the failing ones. Public callers get the
 * status and the failing names only; the admin token adds each check's details (kinds, timings, upstream URLs and
 * versions, errors), which describe the internals.
 */
export async function ready(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const result = await readyResult(deps);
  const failing = deps.draining() ? [...result.failing, 'shutting_down'] : result.failing;
  const token = bearerToken(ctx.req.headers.authorization);
  const admin = deps.config.ADMIN_TOKEN !== undefined && token !== null && secretsEqual(token, deps.config.ADMIN_TOKEN);
  deps.respond.json(ctx, failing.length === 0 ? 200 : 503, {
    status: failing.length === 0 ? 'ready' : 'unavailable',
    instance: deps.instance,
    failing,
    ...(admin ? { checks: result.checks } : {}),
  });
}
