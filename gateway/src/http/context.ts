// Per-request state shared by the router, the routes and the response writers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { protocolFor, type Protocol } from '../protocols/index.js';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Echoed as x-request-id: the caller's own id when it sent a valid one, else `uid`. */
  readonly requestId: string;
  /** Always unique and gateway-made: names the limiter reservation and the usage row (callers may reuse ids). */
  readonly uid: string;
  /** process.hrtime.bigint() at arrival. */
  readonly startedAt: bigint;
  readonly path: string;
  /** Parsed on first use: only a few routes read the query string. */
  readonly query: URLSearchParams;
  /** Metrics label: the matched route pattern, never the raw path (bounded cardinality). */
  route: string;
  /** The protocol the path's clients speak: errors are answered in its envelope. */
  protocol: Protocol;
  /** The API key's id once authenticated (the access log names it; never the key). */
  keyId?: string;
  /** Nanoseconds spent waiting on an upstream; the rest of the request time is gateway overhead. */
  upstreamNs: bigint;
}

/** What a caller's X-Request-Id must look like to be kept (anything else gets the gateway's own id). */
export const REQUEST_ID_FORMAT = /^[\w.:@/+=-]{1,128}$/;

export function createContext(req: IncomingMessage, res: ServerResponse, trustRequestId: boolean): RequestContext {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const incoming = req.headers['x-request-id'];
  const uid = randomUUID();
  const requestId = trustRequestId && typeof incoming === 'string' && REQUEST_ID_FORMAT.test(incoming) ? incoming : uid;
  let query: URLSearchParams | undefined;
  const path = q === -1 ? url : url.slice(0, q);
  return {
    req,
    res,
    requestId,
    uid,
    startedAt: process.hrtime.bigint(),
    path,
    get query() {
      return (query ??= new URLSearchParams(q === -1 ? '' : url.slice(q + 1)));
    },
    route: 'unmatched',
    protocol: protocolFor(path),
    upstreamNs: 0n,
  };
}

export function elapsedMs(ctx: RequestContext): number {
  return Number(process.hrtime.bigint() - ctx.startedAt) / 1e6;
}

// Express keeps the context on res.locals (typed here, so no route casts it).
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      ctx: RequestContext;
    }
  }
}

/** The context the context middleware put on this response. */
export function contextOf(res: { locals: Express.Locals }): RequestContext {
  return res.locals.ctx;
}
