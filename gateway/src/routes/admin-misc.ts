// Operator endpoints: Prometheus metrics (admin token on the main port, checked by the route runner), a forced
// model-catalog refresh, and the Ollama hosts as routing sees them.
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';

export async function metricsRoute(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  deps.respond.raw(ctx, 200, await deps.metrics.registry.metrics(), deps.metrics.registry.contentType);
}

/** Called by the control plane after a pull or delete so /v1/models changes at once on every replica. */
export async function refreshModels(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  await deps.catalog.invalidate();
  const models = await deps.catalog.refresh();
  deps.respond.json(ctx, 200, { object: 'list', data: models.map(({ upstreams: _u, ...model }) => model) });
}

/**
 * GET /admin/upstreams: each Ollama host, its health, its loaded models (/api/ps, refreshed every
 * UPSTREAM_PS_INTERVAL_MS) and its load: the requests in flight from the replica that answers (each replica routes
 * its own), and its parallelism hint.
 */
export async function listUpstreams(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  deps.respond.json(ctx, 200, { object: 'list', instance: deps.instance, data: deps.upstreams.views() });
}
