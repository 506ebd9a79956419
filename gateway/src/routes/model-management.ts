// Ollama's model management behind the gateway (pull, push, create, copy, delete, blobs): it changes what every key
// can use, so only the admin token may do it (an API key gets 403 saying so). Relayed as it is, progress streamed.
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import { authorizeManagement } from '../auth/authenticate.js';
import { bodyLimits, readJson } from '../http/body.js';
import { GatewayError } from '../errors.js';
import { pipeBody } from '../upstream/stream-relay.js';
import { isObject } from '../protocols/sse.js';

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
      throw new GatewayError(
        'invalid_request',
        `'${param}' is not a blob digest; blobs are named sha256:<64 hex digits>.`,
      );
    }
    let body: string | Buffer | RequestContext['req'] | undefined;
    let streams = false;
    if (blob) {
      body = method === 'POST' ? ctx.req : undefined;
    } else {
      const { json, raw } = await readJson(ctx, bodyLimits(deps.config));
      body = raw;
      streams =
        ['/api/pull', '/api/push', '/api/create'].includes(ctx.route) && isObject(json) && json.stream !== false;
    }
    const path = blob ? `/api/blobs/${param}` : ctx.route;
    const call = deps.upstreams.open({
      method,
      path,
      timeouts: MANAGEMENT_TIMEOUTS,
      ...(body === undefined ? {} : { body }),
    });
    let clientGone = false;
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) {
        clientGone = true;
        call.body.abort();
      }
    });
    const { statusCode } = await call.response;
    const contentType = streams && statusCode === 200 ? 'application/x-ndjson' : 'application/json; charset=utf-8';
    ctx.res.writeHead(
      statusCode,
      deps.respond.headers(ctx, { 'content-type': contentType, 'x-accel-buffering': 'no' }),
    );
    await pipeBody(call.body, ctx.res, () => clientGone);
    void deps.catalog.invalidate();
  };
}
