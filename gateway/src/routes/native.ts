// Ollama's native non-inference routes behind the gateway's keys: `GET|HEAD /` and /api/version (the probes
// clients send first: no key, no upstream call), listings filtered by the key's allow-list (/api/tags from the
// catalog, /api/ps from the upstreams), /api/show after the allow-list check, and model management (pull, push,
// create, copy, delete, blobs), which only the admin token may use.
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import type { CatalogModel } from '../upstream/catalog.js';
import { canonicalModel } from '../upstream/catalog.js';
import { authenticateKey, authorizeManagement } from '../auth/authenticate.js';
import { bodyLimits, readJson } from '../http/body.js';
import { GatewayError } from '../errors.js';
import { pipeBody } from '../upstream/stream-relay.js';
import { showBody } from '../protocols/ollama/schemas.js';
import { isObject } from '../protocols/sse.js';
import { parseBody } from './schemas.js';
import { readWhole, resolveModel, upstreamFailure } from './proxy.js';

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
  const answers = await Promise.allSettled(deps.upstreams.upstreams.map((upstream) => deps.upstreams.fetchJson(upstream, 'GET', '/api/ps')));
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
  const name = (body.model || body.name) as string;
  const model = await resolveModel(deps, key, name);
  const call = deps.upstreams.open({ method: 'POST', path: '/api/show', body: raw, candidates: model.upstreams });
  const { upstream, statusCode } = await call.response;
  const payload = await readWhole(call.body, upstream.url);
  if (statusCode !== 200) throw upstreamFailure(statusCode, payload, upstream.url, model.id);
  deps.respond.raw(ctx, 200, payload, 'application/json; charset=utf-8');
}

/**
 * Pulls and creates can be silent for many minutes (verifying a multi-GB digest, a `stream: false` pull that answers
 * only at the end), so management gets a 30-minute limit instead of the inference timeouts (the control plane's
 * own pull uses the same limit).
 */
const MANAGEMENT_TIMEOUTS = { headersMs: 30 * 60_000, bodyMs: 30 * 60_000 };

/**
 * Model management, relayed as it is (admin only): JSON bodies are read within the body limit, blob uploads are
 * streamed through. Pull/push/create stream NDJSON progress unless `stream: false`. The catalog is refreshed after.
 */
export function management(method: 'POST' | 'DELETE' | 'HEAD') {
  return async (ctx: RequestContext, deps: GatewayDeps, param: string): Promise<void> => {
    await authorizeManagement(ctx, deps);
    const blob = ctx.path.startsWith('/api/blobs/');
    if (blob && !/^sha256[:-][0-9a-f]{64}$/.test(param)) {
      throw new GatewayError('invalid_request', `'${param}' is not a blob digest; blobs are named sha256:<64 hex digits>.`);
    }
    let body: string | Buffer | RequestContext['req'] | undefined;
    let streams = false;
    if (blob) {
      body = method === 'POST' ? ctx.req : undefined;
    } else {
      const { json, raw } = await readJson(ctx, bodyLimits(deps.config));
      body = raw;
      streams = ['/api/pull', '/api/push', '/api/create'].includes(ctx.route) && isObject(json) && json.stream !== false;
    }
    const path = blob ? `/api/blobs/${param}` : ctx.route;
    const call = deps.upstreams.open({ method, path, timeouts: MANAGEMENT_TIMEOUTS, ...(body === undefined ? {} : { body }) });
    let clientGone = false;
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) {
        clientGone = true;
        call.body.abort();
      }
    });
    const { statusCode } = await call.response;
    const contentType = streams && statusCode === 200 ? 'application/x-ndjson' : 'application/json; charset=utf-8';
    ctx.res.writeHead(statusCode, deps.respond.headers(ctx, { 'content-type': contentType, 'x-accel-buffering': 'no' }));
    await pipeBody(call.body, ctx.res, () => clientGone);
    void deps.catalog.invalidate();
  };
}
