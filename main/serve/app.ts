// The `serve` mode as an Express 5 app. Middleware order: security headers (CSP naming the gateway) → Host check
// (DNS rebinding) → the /api router (Origin check, then the session token, then GET /api/events as SSE and
// POST /api/op/<op> into the control plane's typed bridge) → the dashboard's static files (GET/HEAD only) → one
// error middleware, the only place a refusal becomes an answer: a BridgeResult under /api, plain text elsewhere.
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ControlPlane } from '../control/api.js';
import type { BridgeResult } from '../control/bridge.js';
import { gatewayOrigins, securityHeaders } from './csp.js';
import { ServeError } from './errors.js';
import { checkHost, checkOrigin } from './guard.js';
import { streamEvents } from './sse.js';
import { staticFile } from './static.js';
import { TOKEN_HEADER, tokenMatches } from './token.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ServeAppOptions {
  plane: Pick<ControlPlane, 'call' | 'events' | 'state'>;
  token: string;
  distDir: string;
  /** Host header values this server answers to (known once it listens). */
  allowed: () => Set<string>;
  /** Aborted when the server closes: open event streams end. */
  closing: AbortSignal;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The security headers every serve answer carries. */
      base: Record<string, string>;
    }
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  res.writeHead(status, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, value: unknown): void {
  send(
    res,
    status,
    { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    JSON.stringify(value),
  );
}

function refusal(err: ServeError): BridgeResult<never> {
  return { ok: false, error: err.toBridgeError() };
}

/** The op bridge's body: at most MAX_BODY_BYTES of JSON, or nothing (no express.json(): its errors are not ours). */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new ServeError('body_too_large', `The request body is over ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ServeError('bad_json', 'The request body is not JSON.');
  }
}

/** The normalised path (dot segments resolved), as the static files and the error format see it. */
function pathnameOf(req: Request): string {
  return new URL(req.originalUrl || '/', 'http://serve').pathname;
}

function isApi(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/');
}

function apiRouter(options: ServeAppOptions): Router {
  const { plane, token } = options;
  const router = Router({ caseSensitive: true });
  router.use((req, _res, next) => {
    checkOrigin(req.headers);
    const given = req.headers[TOKEN_HEADER];
    if (given === undefined)
      throw new ServeError('token_missing', 'The dashboard API needs the token of this serve session.');
    if (!tokenMatches(Array.isArray(given) ? given[0] : given, token))
      throw new ServeError('token_wrong', 'The token does not match this serve session.');
    next();
  });
  router.all('/events', async (req, res) => {
    if (req.method !== 'GET') throw new ServeError('method_not_allowed', `${req.method} /api/events is not allowed.`);
    await streamEvents(req, res, plane.events, res.locals.base, options.closing);
  });
  router.all('/op{/*op}', async (req, res) => {
    const pathname = pathnameOf(req);
    if (req.method !== 'POST')
      throw new ServeError('method_not_allowed', `${req.method} ${pathname.slice(0, 100)} is not allowed.`);
    const op = req.params.op?.join('/') ?? '';
    const input = await readJson(req);
    // plane.call validates the operation name and the input (zod) and turns every failure into a typed value.
    sendJson(res, 200, res.locals.base, await plane.call(op, input));
  });
  router.use((req) => {
    throw new ServeError('not_found', `No API at ${pathnameOf(req).slice(0, 100)}.`);
  });
  return router;
}

export function createServeApp(options: ServeAppOptions) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.enable('case sensitive routing');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const state = options.plane.state();
    res.locals.base = securityHeaders(gatewayOrigins(state.settings.ports.gateway, state.gatewayUrl));
    checkHost(req.headers, options.allowed());
    next();
  });
  app.use('/api', apiRouter(options));
  app.use(async (req: Request, res: Response) => {
    const pathname = pathnameOf(req);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new ServeError('method_not_allowed', `${req.method} is not allowed on the dashboard's files.`);
    const file = await staticFile(options.distDir, pathname);
    if (!file) throw new ServeError('not_found', `No file ${pathname.slice(0, 100)}.`);
    send(
      res,
      200,
      { ...res.locals.base, 'content-type': file.type, 'cache-control': file.cache },
      req.method === 'HEAD' ? '' : file.body,
    );
  });
  // Four parameters: Express recognises the error middleware by its arity.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const base = res.locals.base ?? {};
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const error =
      err instanceof ServeError
        ? err
        : err instanceof URIError
          ? new ServeError('not_found', 'The path is not valid percent-encoding.')
          : null;
    if (!error) {
      sendJson(res, 500, base, {
        ok: false,
        error: {
          code: 'internal',
          message: (err as Error).message,
          hint: 'This is a bug; the logs folder has details.',
        },
      });
      return;
    }
    if (isApi(pathnameOf(req))) sendJson(res, error.status, base, refusal(error));
    else
      send(
        res,
        error.status,
        { ...base, 'content-type': 'text/plain; charset=utf-8' },
        `${error.message}\n${error.hint}\n`,
      );
  });
  return app;
}
