// The inference routes' fast lane: a POST to exactly one of the relayed inference paths (/v1/chat/completions,
// /v1/messages, /api/chat, …) is run past Express, because Express's per-request work (its request/response
// prototypes, the router's layer walk) costs about as much CPU as the gateway's own work on that path (README,
// "HTTP layer"). The lane runs the same functions as the Express app — the context (BeginRequest), the route
// runner (method, preflight, auth inside the handler), the error answer (failRequest) — so there is one
// implementation of each. Everything else (other methods, a trailing slash, a query string on an unknown path,
// every other route) goes to the Express app unchanged.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { GatewayDeps } from '../deps.js';
import type { BeginRequest } from './app.js';
import { failRequest } from './app.js';
import { INFERENCE_ROUTES, runRoute } from '../routes/router.js';

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function withFastLane(app: RequestListener, deps: GatewayDeps, begin: BeginRequest): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const spec = req.method === 'POST' ? INFERENCE_ROUTES.get(pathOf(req.url ?? '/')) : undefined;
    if (!spec) {
      app(req, res);
      return;
    }
    const ctx = begin(req, res);
    try {
      const running = runRoute(spec, ctx, deps, '');
      if (running) running.catch((err: unknown) => failRequest(ctx, deps, err));
    } catch (err) {
      failRequest(ctx, deps, err);
    }
  };
}
