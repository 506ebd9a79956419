// The route table: method + path → handler, for every protocol (OpenAI /v1, Anthropic /v1/messages, Ollama's
// native / and /api). Unknown paths get 404 and wrong methods 405, both in the envelope of the path's protocol.
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import { GatewayError } from '../errors.js';
import { health, ready } from './health.js';
import { getModel, listModels } from './models.js';
import { ENDPOINTS, proxyHandler } from './proxy.js';
import { createKey, getKey, listKeys, revokeKey, rotateKey } from './admin-keys.js';
import { usageSummary } from './admin-usage.js';
import { metricsRoute, refreshModels } from './admin-misc.js';
import { ps, root, show, tags, version } from './native.js';
import { management } from './model-management.js';
import { countTokens } from './count-tokens.js';

type Handler = (ctx: RequestContext, deps: GatewayDeps, param: string) => void | Promise<void>;
type Methods = Partial<Record<string, Handler>>;

const exact = new Map<string, Methods>([
  ['/health', { GET: health, HEAD: health }],
  ['/health/ready', { GET: ready, HEAD: ready }],
  ['/v1/models', { GET: listModels }],
  ['/metrics', { GET: metricsRoute }],
  ['/admin/keys', { GET: listKeys, POST: createKey }],
  ['/admin/usage', { GET: usageSummary }],
  ['/admin/models/refresh', { POST: refreshModels }],
  ['/', { GET: root, HEAD: root }],
  ['/api/version', { GET: version, HEAD: version }],
  ['/api/tags', { GET: tags, HEAD: tags }],
  ['/api/ps', { GET: ps }],
  ['/api/show', { POST: show }],
  ['/api/pull', { POST: management('POST') }],
  ['/api/push', { POST: management('POST') }],
  ['/api/create', { POST: management('POST') }],
  ['/api/copy', { POST: management('POST') }],
  ['/api/delete', { DELETE: management('DELETE') }],
  ['/v1/messages/count_tokens', { POST: countTokens }],
  ...ENDPOINTS.map((endpoint): [string, Methods] => [endpoint.path, { POST: proxyHandler(endpoint) }]),
]);

/** Routes with one path parameter (the rest of the path between prefix and suffix, URL-decoded). */
const prefixed: Array<{ prefix: string; suffix: string; route: string; methods: Methods; slashes: boolean }> = [
  // Model names may contain slashes (hf.co/org/model:tag).
  { prefix: '/v1/models/', suffix: '', route: '/v1/models/:id', methods: { GET: getModel }, slashes: true },
  {
    prefix: '/api/blobs/',
    suffix: '',
    route: '/api/blobs/:digest',
    methods: { POST: management('POST'), HEAD: management('HEAD') },
    slashes: false,
  },
  {
    prefix: '/admin/keys/',
    suffix: '/rotate',
    route: '/admin/keys/:id/rotate',
    methods: { POST: rotateKey },
    slashes: false,
  },
  {
    prefix: '/admin/keys/',
    suffix: '',
    route: '/admin/keys/:id',
    methods: { GET: getKey, DELETE: revokeKey },
    slashes: false,
  },
];

function match(path: string): { route: string; methods: Methods; param: string } | undefined {
  const normalized = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const methods = exact.get(normalized);
  if (methods) return { route: normalized, methods, param: '' };
  for (const candidate of prefixed) {
    if (!normalized.startsWith(candidate.prefix) || !normalized.endsWith(candidate.suffix)) continue;
    const raw = normalized.slice(candidate.prefix.length, normalized.length - candidate.suffix.length);
    if (raw.length === 0 || (!candidate.slashes && raw.includes('/'))) continue;
    let param: string;
    try {
      param = decodeURIComponent(raw);
    } catch {
      continue;
    }
    return { route: candidate.route, methods: candidate.methods, param };
  }
  return undefined;
}

export async function dispatch(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const method = ctx.req.method ?? 'GET';
  const found = match(ctx.path);
  if (method === 'OPTIONS') {
    // Preflight needs no key: browsers never send credentials on it.
    ctx.route = found?.route ?? 'preflight';
    deps.respond.empty(ctx, 204, deps.cors.preflightHeaders(ctx.req));
    return;
  }
  if (!found) {
    throw new GatewayError(
      'not_found',
      ctx.protocol.name === 'ollama'
        ? `Unknown path ${ctx.path}. Ollama's API is served under /api (e.g. /api/chat, /api/tags).`
        : `Unknown path ${ctx.path}. The API lives under /v1 (e.g. /v1/chat/completions, /v1/responses, /v1/messages).`,
    );
  }
  ctx.route = found.route;
  const handler = found.methods[method];
  if (!handler) {
    const allow = Object.keys(found.methods).join(', ');
    throw new GatewayError('method_not_allowed', `${method} is not allowed on ${found.route}; use ${allow}.`, {
      headers: { allow },
    });
  }
  await handler(ctx, deps, found.param);
}
