// The gateway's Express 5 application. Middleware order: request context (request id, instance, protocol,
// in-flight accounting) → the one router of every area's routes (health, metrics, /v1, Ollama's / and /api,
// /admin; see routes/router.ts) → the not-found fallback (a preflight to an unknown path still gets its 204) → the error
// middleware, the only place an error becomes an HTTP answer (in the envelope of the path's protocol, through
// respond.ts's table). No body parser: routes read the body themselves (http/body.ts: once, size-limited,
// strict JSON, original bytes forwarded). x-powered-by and ETags are off; no route uses res.send.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayDeps } from '../deps.js';
import type { RequestContext } from './context.js';
import { contextOf } from './context.js';
import { toGatewayError } from '../errors.js';
import { gatewayRouter, notFound, preflight } from '../routes/router.js';

/** Makes the context of a new request (and starts its in-flight accounting): the server's job, shared with the fast lane. */
export type BeginRequest = (req: IncomingMessage, res: ServerResponse) => RequestContext;

export function createGatewayApp(deps: GatewayDeps, begin: BeginRequest): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.enable('case sensitive routing');

  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.ctx = begin(req, res);
    next();
  });
  app.use(gatewayRouter(deps));
  app.use((req: Request, res: Response) => {
    const ctx = contextOf(res);
    if (req.method === 'OPTIONS') {
      ctx.route = 'preflight';
      preflight(ctx, deps);
      return;
    }
    throw notFound(ctx);
  });
  // Four parameters: Express recognises the error middleware by its arity.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const ctx = contextOf(res);
    // A path parameter that is not valid percent-encoding names no route (Express throws URIError decoding it).
    failRequest(ctx, deps, err instanceof URIError ? notFound(ctx) : err);
  });
  return app;
}

/** Turns a failure into the answer (or, once the answer started, a cut connection). Used by Express and the fast lane. */
export function failRequest(ctx: RequestContext, deps: GatewayDeps, err: unknown): void {
  const error = toGatewayError(err);
  if (error.status >= 500) {
    deps.log.warn(
      {
        requestId: ctx.requestId,
        route: ctx.route,
        code: error.code,
        upstream: error.upstreamUrl,
        err: String(error.cause ?? error.message),
      },
      'request failed',
    );
  }
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  deps.respond.error(ctx, error);
}
