// The headless `serve` mode's HTTP server: the built dashboard plus the HTTP bridge to the control plane
// (POST /api/op/<op> → BridgeResult, GET /api/events → SSE). Every /api call needs the token; every request must
// name this server in Host; API calls must come from this page's origin (the checks: app.ts). This module listens
// (127.0.0.1 unless told otherwise), tracks sockets and closes.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ControlPlane } from '../control/api.js';
import { createServeApp } from './app.js';
import { ServeError } from './errors.js';
import { allowedHosts } from './guard.js';
import { defaultDistDir } from './static.js';
import { newToken } from './token.js';

export { MAX_BODY_BYTES } from './app.js';

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

export async function startServe(options: ServeOptions): Promise<ServeHandle> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const distDir = options.distDir ?? defaultDistDir();
  const { plane } = options;
  const closing = new AbortController();
  const sockets = new Set<Socket>();
  let allowed = new Set<string>();

  const app = createServeApp({
    plane,
    token,
    distDir,
    allowed: () => allowed,
    closing: closing.signal,
  });
  const server = createServer(app);
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
