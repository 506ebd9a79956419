// GET /v1/models and GET /v1/models/{id}: the shared catalog in OpenAI's list shape, filtered by the key's models.
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import type { CatalogModel } from '../upstream/catalog.js';
import { canonicalModel } from '../upstream/catalog.js';
import { authenticateKey } from '../auth/authenticate.js';
import { resolveModel } from './proxy.js';
import { GatewayError } from '../errors.js';

function publicShape(model: CatalogModel): Omit<CatalogModel, 'upstreams'> {
  const { upstreams: _internal, ...shape } = model;
  return shape;
}

export async function listModels(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const key = await authenticateKey(ctx, deps);
  let models: CatalogModel[];
  try {
    models = await deps.catalog.list();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('upstream_unavailable', 'No Ollama upstream answered the model list.', { cause: err });
  }
  const allowed = key.models ? new Set(key.models.map(canonicalModel)) : null;
  const data = models.filter((model) => !allowed || allowed.has(canonicalModel(model.id))).map(publicShape);
  deps.respond.json(ctx, 200, { object: 'list', data });
}

export async function getModel(ctx: RequestContext, deps: GatewayDeps, id: string): Promise<void> {
  const key = await authenticateKey(ctx, deps);
  deps.respond.json(ctx, 200, publicShape(await resolveModel(deps, key, id)));
}
