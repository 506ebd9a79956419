// Response writers: the one place that sets the common headers and maps errors to OpenAI's envelope.
import type { OutgoingHttpHeaders } from 'node:http';
import type { RequestContext } from './context.js';
import { toGatewayError } from '../errors.js';

export interface ResponseDefaults {
  instance: string;
  cors: (ctx: RequestContext) => Record<string, string>;
  closing: () => boolean;
}

/** The common headers of every answer: request id, replica, CORS, and `connection: close` while draining. */
export function commonHeaders(ctx: RequestContext, d: ResponseDefaults): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    'x-request-id': ctx.requestId,
    'x-instance': d.instance,
    ...d.cors(ctx),
  };
  if (d.closing()) headers.connection = 'close';
  return headers;
}

export class Responder {
  constructor(private readonly d: ResponseDefaults) {}

  headers(ctx: RequestContext, extra?: OutgoingHttpHeaders): OutgoingHttpHeaders {
    return extra ? { ...commonHeaders(ctx, this.d), ...extra } : commonHeaders(ctx, this.d);
  }

  json(ctx: RequestContext, status: number, body: unknown, extra?: OutgoingHttpHeaders): void {
    this.raw(ctx, status, JSON.stringify(body), 'application/json; charset=utf-8', extra);
  }

  raw(ctx: RequestContext, status: number, body: string | Buffer, contentType: string, extra?: OutgoingHttpHeaders): void {
    const { res } = ctx;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const headers = this.headers(ctx, extra);
    headers['content-type'] = contentType;
    headers['content-length'] = Buffer.byteLength(body);
    res.writeHead(status, headers);
    res.end(ctx.req.method === 'HEAD' ? undefined : body);
  }

  empty(ctx: RequestContext, status: number, extra?: OutgoingHttpHeaders): void {
    ctx.res.writeHead(status, this.headers(ctx, extra));
    ctx.res.end();
  }

  error(ctx: RequestContext, err: unknown): void {
    const gatewayError = toGatewayError(err);
    this.json(ctx, gatewayError.status, gatewayError.toEnvelope(), gatewayError.headers);
  }
}
