// The headless `serve` mode's HTTP server: the built dashboard plus the HTTP bridge to the control plane
// (POST /api/op/<op> → BridgeResult, GET /api/events → SSE). Every /api call needs the token; every request must
// name this server in Host; API calls must come from this page's origin. Binds 127.0.0.1 unless told otherwise.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ControlPlane } from '../control/api.js';
import type { BridgeResult } from '../control/bridge.js';
import { gatewayOrigins, securityHeaders } from './csp.js';
import { ServeError } from './errors.js';
import { allowedHosts, checkHost, checkOrigin } from './guard.js';
import { streamEvents } from './sse.js';
import { defaultDistDir, staticFile } from './static.js';
import { newToken, TOKEN_HEADER, tokenMatches } from './token.js';

export const MAX_BODY_BYTES = 1024 * 1024;
const OP_PREFIX = '/api/op/';

export interface ServeOptions {
  plane: Pick<ControlPlane, 'call' | 'events' | 'state'>;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 3131; 0 = any free port. */
  port?: number;
  /** Default: a fresh random token. */
  token?: string;
  distDir?: string;
}

export interface ServeHandle {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** The URL to open: `${url}/#token=…`. */
  readonly dashboardUrl: string;
  close(): Promise<void>;
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

export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const distDir = options.distDir ?? defaultDistDir();
  const { plane } = options;
  const closing = new AbortController();
  const sockets = new Set<Socket>();
  let allowed = new Set<string>();

  const headers = () => {
    const state = plane.state();
    return securityHeaders(gatewayOrigins(state.settings.ports.gateway, state.gatewayUrl));
  };

  const api = async (req: IncomingMessage, res: ServerResponse, pathname: string, base: Record<string, string>) => {
    checkOrigin(req.headers);
    const given = req.headers[TOKEN_HEADER];
    if (given === undefined)
      throw new ServeError('token_missing', 'The dashboard API needs the token of this serve session.');
    if (!tokenMatches(Array.isArray(given) ? given[0] : given, token))
      throw new ServeError('token_wrong', 'The token does not match this serve session.');
    if (pathname === '/api/events') {
      if (req.method !== 'GET') throw new ServeError('method_not_allowed', `${req.method} /api/events is not allowed.`);
      await streamEvents(req, res, plane.events, base, closing.signal);
      return;
    }
    if (!pathname.startsWith(OP_PREFIX)) throw new ServeError('not_found', `No API at ${pathname.slice(0, 100)}.`);
    if (req.method !== 'POST')
      throw new ServeError('method_not_allowed', `${req.method} ${pathname.slice(0, 100)} is not allowed.`);
    const op = decodeURIComponent(pathname.slice(OP_PREFIX.length));
    const input = await readJson(req);
    // plane.call validates the operation name and the input (zod) and turns every failure into a typed value.
    sendJson(res, 200, base, await plane.call(op, input));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const base = headers();
    const pathname = new URL(req.url ?? '/', 'http://serve').pathname;
    const isApi = pathname === '/api' || pathname.startsWith('/api/');
    try {
      checkHost(req.headers, allowed);
      if (isApi) return await api(req, res, pathname, base);
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new ServeError('method_not_allowed', `${req.method} is not allowed on the dashboard's files.`);
      const file = await staticFile(distDir, pathname);
      if (!file) throw new ServeError('not_found', `No file ${pathname.slice(0, 100)}.`);
      send(
        res,
        200,
        { ...base, 'content-type': file.type, 'cache-control': file.cache },
        req.method === 'HEAD' ? '' : file.body,
      );
    } catch (err) {
      const error = err instanceof ServeError ? err : null;
      if (res.headersSent) {
        res.destroy();
        return;
      }
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
      if (isApi) sendJson(res, error.status, base, refusal(error));
      else
        send(
          res,
          error.status,
          { ...base, 'content-type': 'text/plain; charset=utf-8' },
          `${error.message}\n${error.hint}\n`,
        );
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new ServeError('port_in_use', `Port ${options.port ?? 3131} on ${host} is already in use.`)
          : err,
      );
    };
    server.once('error', failed);
    server.listen(options.port ?? 3131, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(host, port);
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}`;
  return {
    url,
    port,
    token,
    dashboardUrl: `${url}/#token=${token}`,
    async close() {
      closing.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
