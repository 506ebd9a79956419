// Response writers: the one place that sets the common headers and turns errors into the envelope of the
// protocol the request's path speaks (OpenAI, Anthropic or Ollama; see protocols/*/protocol.ts).
import type { OutgoingHttpHeaders } from 'node:http';
import type { RequestContext } from './context.js';
import { toGatewayError } from '../errors.js';

export interface ResponseDefaults {
  instance: string;
  cors: (ctx: RequestContext) => Readonly<Record<string, string>>;
  closing: () => boolean;
}

/**
 * The common headers of every answer (request id, replica, CORS, `connection: close` while draining), then
 * each `extra` set in order. Plain assignment into one object: spreading objects per request cost measurable
 * time on the hot path.
 */
function buildHeaders(
  ctx: RequestContext,
  d: ResponseDefaults,
  extras: ReadonlyArray<OutgoingHttpHeaders | undefined>,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'x-request-id': ctx.requestId, 'x-instance': d.instance };
  const cors = d.cors(ctx);
  for (const name in cors) headers[name] = cors[name];
  if (d.closing()) headers.connection = 'close';
  for (const extra of extras) {
    if (extra) for (const name in extra) headers[name] = extra[name];
  }
  return headers;
}

export class Responder {
  constructor(private readonly d: ResponseDefaults) {}

  headers(ctx: RequestContext, ...extras: Array<OutgoingHttpHeaders | undefined>): OutgoingHttpHeaders {
    return buildHeaders(ctx, this.d, extras);
  }

  json(ctx: RequestContext, status: number, body: unknown, extra?: OutgoingHttpHeaders): void {
    this.raw(ctx, status, JSON.stringify(body), 'application/json; charset=utf-8', extra);
  }

  raw(
    ctx: RequestContext,
    status: number,
    body: string | Buffer,
    contentType: string,
    extra?: OutgoingHttpHeaders,
  ): void {
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
    const rendered = ctx.protocol.renderError(toGatewayError(err));
    this.json(ctx, rendered.status, rendered.body, rendered.headers);
  }
}
