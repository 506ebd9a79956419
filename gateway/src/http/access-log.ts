// The access log (ACCESS_LOG=true; the stack turns it on): one JSON line per request when its response closes,
// carrying the same request id nginx logs and forwards (X-Request-Id), so `llm-gateway logs --request-id ID` can
// follow one request through nginx and the replica that served it. Names the key by id only; the path without its
// query string (no credential or prompt ever reaches the log).
import type { Logger } from 'pino';
import type { RequestContext } from './context.js';

/**
 * The logger the access lines go to: at info whatever LOG_LEVEL says (ACCESS_LOG=true asks for them; a stack run
 * with LOG_LEVEL=warn still wants them), except that LOG_LEVEL=silent silences them too.
 */
export function accessLogger(log: Logger): Logger {
  return log.child({}, { level: log.level === 'silent' ? 'silent' : 'info' });
}

export function logAccess(log: Logger, ctx: RequestContext, totalNs: bigint): void {
  log.info(
    {
      requestId: ctx.requestId,
      method: ctx.req.method,
      path: ctx.path,
      route: ctx.route,
      status: ctx.res.statusCode,
      ms: Math.round(Number(totalNs) / 1e4) / 100,
      upstreamMs: ctx.upstreamNs > 0n ? Math.round(Number(ctx.upstreamNs) / 1e4) / 100 : null,
      keyId: ctx.keyId ?? null,
      // The client went away before the answer was complete (a cut stream, a timeout on its side).
      completed: ctx.res.writableFinished,
    },
    'request',
  );
}
