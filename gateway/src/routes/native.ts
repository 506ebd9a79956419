// Ollama's native non-inference routes behind the gateway's keys: `GET|HEAD /` and /api/version (the probes
// clients send first: no key, no upstream call), listings filtered by the key's allow-list (/api/tags from the
// catalog, /api/ps from the upstreams) and /api/show after the allow-list check. Model management is in
// model-management.ts.
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import type { CatalogModel } from '../upstream/catalog.js';
import { canonicalModel } from '../upstream/catalog.js';
import { authenticateKey } from '../auth/authenticate.js';
import { bodyLimits, readJson } from '../http/body.js';
import { GatewayError } from '../errors.js';
import { showBody } from '../protocols/ollama/schemas.js';
import { isObject } from '../protocols/sse.js';
import { parseBody } from './schemas.js';
import { resolveModel } from './proxy.js';
import { readWhole, upstreamFailures } from '../upstream/failures.js';

export function root(ctx: RequestContext, deps: GatewayDeps): void {
  deps.respond.raw(ctx, 200, 'Ollama is running', 'text/plain; charset=utf-8');
}

/** The version the health checks last saw (probed once if none has been seen yet). */
export async function version(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  let known = deps.upstreams.upstreams.find((upstream) => upstream.version !== null)?.version ?? null;
  if (known === null) {
    for (const upstream of deps.upstreams.upstreams) {
      if (await deps.upstreams.probe(upstream)) {
        known = upstream.version;
        break;
      }
    }
  }
  if (known === null) throw new GatewayError('upstream_unavailable', 'No Ollama upstream answered /api/version.');
  deps.respond.json(ctx, 200, { version: known });
}

async function allowedModels(ctx: RequestContext, deps: GatewayDeps): Promise<CatalogModel[]> {
  const key = await authenticateKey(ctx, deps);
  let models: CatalogModel[];
  try {
    models = await deps.catalog.list();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('upstream_unavailable', 'No Ollama upstream answered the model list.', { cause: err });
  }
  const allowed = key.models ? new Set(key.models.map(canonicalModel)) : null;
  return models.filter((model) => !allowed || allowed.has(canonicalModel(model.id)));
}

/** GET /api/tags in Ollama's shape, from the shared catalog (no upstream call per request). */
export async function tags(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const models = (await allowedModels(ctx, deps)).map((model) => ({
    name: model.id,
    model: model.id,
    modified_at: new Date(model.created * 1000).toISOString(),
    size: model.size,
    digest: model.digest,
    details: {
      parent_model: '',
      format: 'gguf',
      family: model.family ?? '',
      families: model.families,
      parameter_size: model.parameter_size ?? '',
      quantization_level: model.quantization ?? '',
    },
  }));
  deps.respond.json(ctx, 200, { models });
}

/** GET /api/ps: the loaded models of every upstream that answers, only those the key may use. */
export async function ps(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const allowed = new Set((await allowedModels(ctx, deps)).map((model) => model.id));
  const answers = await Promise.allSettled(
    deps.upstreams.upstreams.map((upstream) => deps.upstreams.fetchJson(upstream, 'GET', '/api/ps')),
  );
  const models: unknown[] = [];
  let answered = false;
  for (const answer of answers) {
    if (answer.status !== 'fulfilled' || !isObject(answer.value) || !Array.isArray(answer.value.models)) continue;
    answered = true;
    for (const loaded of answer.value.models) {
      const name = isObject(loaded) ? (loaded.model ?? loaded.name) : undefined;
      if (typeof name === 'string' && allowed.has(canonicalModel(name))) models.push(loaded);
    }
  }
  if (!answered) throw new GatewayError('upstream_unavailable', 'No Ollama upstream answered /api/ps.');
  deps.respond.json(ctx, 200, { models });
}

/** POST /api/show: the key must be allowed the model; relayed to an upstream that has it. */
export async function show(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const key = await authenticateKey(ctx, deps);
  const { json, raw } = await readJson(ctx, bodyLimits(deps.config));
  const body = parseBody(showBody, json);
  const model = await resolveModel(deps, key, body.shown);
  const call = deps.upstreams.open({ method: 'POST', path: '/api/show', body: raw, candidates: model.upstreams });
  const { upstream, statusCode } = await call.response;
  const payload = await readWhole(call.body, upstream);
  if (statusCode !== 200) throw upstreamFailures.answer(statusCode, payload, upstream, model.id);
  deps.respond.raw(ctx, 200, payload, 'application/json; charset=utf-8');
}
