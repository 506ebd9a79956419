// The route tables of the gateway, one per area: health, metrics, the OpenAI/Anthropic /v1, Ollama's native /
// and /api, and /admin, all served by one Express router (gatewayRouter). Each route lists its methods; a method not listed is a 405 in the
// path's protocol envelope (Express's own HEAD→GET fallback and automatic OPTIONS answers are not used), a
// preflight (OPTIONS) needs no key, and admin routes check the admin token before the handler runs.
import { Router, type Request, type Response } from 'express';
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import { GatewayError } from '../errors.js';
import { authenticateAdmin } from '../auth/authenticate.js';
import { contextOf } from '../http/context.js';
import { health, ready } from './health.js';
import { getModel, listModels } from './models.js';
import { ENDPOINTS, proxyHandler } from './proxy.js';
import { createKey, getKey, listKeys, revokeKey, rotateKey, updateKey } from './admin-keys.js';
import { usageSummary } from './admin-usage.js';
import { listUpstreams, metricsRoute, refreshModels } from './admin-misc.js';
import { ps, root, show, tags, version } from './native.js';
import { management } from './model-management.js';
import { countTokens } from './count-tokens.js';

export type Handler = (ctx: RequestContext, deps: GatewayDeps, param: string) => void | Promise<void>;
export type Methods = Partial<Record<string, Handler>>;

export interface RouteSpec {
  /** The path inside the area (path-to-regexp 8 syntax). */
  path: string;
  /** The full pattern (path-to-regexp 8 syntax): the Express route, the metrics label and the name in 405
   * messages (never the raw path). */
  label: string;
  methods: Methods;
  /** The admin token is checked (after the method, before the handler). */
  admin?: boolean;
}

export interface Area {
  /** The path prefix of the area's routes. */
  mount: string;
  routes: RouteSpec[];
}

const route = (mount: string, path: string, methods: Methods, admin = false): RouteSpec => ({
  path,
  label: mount === '/' ? path : `${mount}${path}`,
  methods,
  admin,
});

/** Relayed inference endpoints whose path starts with `prefix`, as routes of the area mounted at `mount`. */
function inference(prefix: string, mount: string): RouteSpec[] {
  const strip = mount === '/' ? 0 : mount.length;
  return ENDPOINTS.filter((endpoint) => endpoint.path.startsWith(`${prefix}/`)).map((endpoint) =>
    route(mount, endpoint.path.slice(strip), { POST: proxyHandler(endpoint) }),
  );
}

export const AREAS: readonly Area[] = [
  {
    mount: '/',
    routes: [
      route('/', '/health', { GET: health, HEAD: health }),
      route('/', '/health/ready', { GET: ready, HEAD: ready }),
    ],
  },
  { mount: '/', routes: [route('/', '/metrics', { GET: metricsRoute }, true)] },
  {
    mount: '/v1',
    routes: [
      route('/v1', '/models', { GET: listModels }),
      // Model names may contain slashes (hf.co/org/model:tag): the wildcard takes the rest of the path.
      route('/v1', '/models/*id', { GET: getModel }),
      route('/v1', '/messages/count_tokens', { POST: countTokens }),
      ...inference('/v1', '/v1'),
    ],
  },
  {
    mount: '/admin',
    routes: [
      route('/admin', '/keys', { GET: listKeys, POST: createKey }, true),
      route('/admin', '/keys/:id/rotate', { POST: rotateKey }, true),
      route('/admin', '/keys/:id', { GET: getKey, PATCH: updateKey, DELETE: revokeKey }, true),
      route('/admin', '/usage', { GET: usageSummary }, true),
      route('/admin', '/models/refresh', { POST: refreshModels }, true),
      route('/admin', '/upstreams', { GET: listUpstreams }, true),
    ],
  },
  {
    mount: '/',
    routes: [
      route('/', '/', { GET: root, HEAD: root }),
      route('/', '/api/version', { GET: version, HEAD: version }),
      route('/', '/api/tags', { GET: tags, HEAD: tags }),
      route('/', '/api/ps', { GET: ps }),
      route('/', '/api/show', { POST: show }),
      route('/', '/api/pull', { POST: management('POST') }),
      route('/', '/api/push', { POST: management('POST') }),
      route('/', '/api/create', { POST: management('POST') }),
      route('/', '/api/copy', { POST: management('POST') }),
      route('/', '/api/delete', { DELETE: management('DELETE') }),
      route('/', '/api/blobs/:digest', { POST: management('POST'), HEAD: management('HEAD') }),
      ...inference('/api', '/'),
    ],
  },
];

/**
 * The relayed inference routes by their full path (the same route objects the Express routers run): the fast
 * lane (http/fast-lane.ts) takes a POST to exactly one of these paths past Express.
 */
export const INFERENCE_ROUTES: ReadonlyMap<string, RouteSpec> = new Map(
  AREAS.flatMap((area) => area.routes)
    .filter((spec) => ENDPOINTS.some((endpoint) => endpoint.path === spec.label))
    .map((spec) => [spec.label, spec]),
);

/** A preflight: no key needed (browsers never send credentials on it); the responder adds the origin headers. */
export function preflight(ctx: RequestContext, deps: GatewayDeps): void {
  deps.respond.empty(ctx, 204, deps.cors.preflightHeaders(ctx.req));
}

export function notFound(ctx: RequestContext): GatewayError {
  return new GatewayError(
    'not_found',
    ctx.protocol.name === 'ollama'
      ? `Unknown path ${ctx.path}. Ollama's API is served under /api (e.g. /api/chat, /api/tags).`
      : `Unknown path ${ctx.path}. The API lives under /v1 (e.g. /v1/chat/completions, /v1/responses, /v1/messages).`,
  );
}

/** Runs one route for a request already matched to it (Express routers and the fast lane both come here). */
export function runRoute(spec: RouteSpec, ctx: RequestContext, deps: GatewayDeps, param: string): void | Promise<void> {
  ctx.route = spec.label;
  const method = ctx.req.method ?? 'GET';
  if (method === 'OPTIONS') return preflight(ctx, deps);
  const handler = spec.methods[method];
  if (!handler) {
    const allow = Object.keys(spec.methods).join(', ');
    throw new GatewayError('method_not_allowed', `${method} is not allowed on ${spec.label}; use ${allow}.`, {
      headers: { allow },
    });
  }
  if (spec.admin) authenticateAdmin(ctx, deps);
  return handler(ctx, deps, param);
}

/** The one path parameter a route has, if any (the wildcard's segments joined back with slashes). */
function paramOf(req: Request): string {
  const params = req.params as Record<string, string | string[] | undefined>;
  for (const name in params) {
    const value = params[name];
    return Array.isArray(value) ? value.join('/') : (value ?? '');
  }
  return '';
}

/**
 * The gateway's one Express router: every area's routes on their full paths, the inference routes first (the hot
 * path when FAST_LANE=false), then the rest in table order. One router rather than one per area mounted at its
 * prefix: each mounted router re-parsed the URL and re-ran the router's setup on every request that passed
 * through it (five times for an Ollama path), profiled at about a third of Express's share of the CPU.
 * The paths are disjoint, so the order changes no match.
 */
export function gatewayRouter(deps: GatewayDeps): Router {
  // Case-sensitive like the paths Ollama and OpenAI serve; one trailing slash is tolerated (non-strict).
  const router = Router({ caseSensitive: true, strict: false });
  const all = AREAS.flatMap((area) => area.routes);
  const hot = [...INFERENCE_ROUTES.values()];
  for (const spec of [...hot, ...all.filter((spec) => !hot.includes(spec))]) {
    router.all(spec.label, (req: Request, res: Response) => runRoute(spec, contextOf(res), deps, paramOf(req)));
  }
  return router;
}
