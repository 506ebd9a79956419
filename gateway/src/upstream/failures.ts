// Upstream failures → the gateway's error table, in one place: the pool (no upstream reachable, a connect or
// headers timeout, a wedged upstream), a whole answer's body (stall, broken socket, malformed JSON), a stream
// (stall, break, malformed or cut short, Ollama's own mid-stream error) and Ollama's error answers (its status
// and message). Every message names the upstream by its id (`upstream 1` = the first of OLLAMA_URLS), never its
// URL: an internal address is no business of the client's. The URL rides on the error (GatewayError.upstreamUrl)
// so the request's log line names it beside the request id.
import type { ResponseBody } from './exchange.js';
import { GatewayError, type ErrorCode } from '../errors.js';

/** An upstream as errors see it: its id for the client, its URL for the log. */
export interface UpstreamRef {
  /** `upstream N`, N = its 1-based position in OLLAMA_URLS (stable for a given configuration). */
  readonly name: string;
  readonly url: string;
}

/** The id a client sees for the upstream at `index` (0-based) of OLLAMA_URLS. */
export function upstreamName(index: number): string {
  return `upstream ${index + 1}`;
}

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/** The upstream could not be reached at all (the request may go to another one). */
export function isConnectError(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && CONNECT_ERRORS.has(code);
}

/** undici's headers or body (idle) timeout. */
export function isTimeoutError(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/** A transport error as one short phrase for the log: its code, and its message when that adds something. */
export function describe(err: unknown): string {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${code}${message && !message.includes(code) ? ` (${message})` : ''}` : message;
}

/**
 * A transport error for the client: its code alone, since the message of a socket error names the address
 * (`connect ECONNREFUSED 10.0.0.5:11434`, `getaddrinfo ENOTFOUND ollama.internal`); no code: its kind only.
 */
export function describeForClient(err: unknown): string {
  return codeOf(err) ?? (err instanceof Error ? err.name : 'a transport error');
}

/** An error caused by one upstream: its id in the message, its URL kept for the log line. */
function fail(upstream: UpstreamRef, code: ErrorCode, message: string, cause?: unknown): GatewayError {
  return new GatewayError(code, message, { cause, upstreamUrl: upstream.url });
}

export const upstreamFailures = {
  /** No upstream left to try: `failures` lists each one tried and why. */
  unreachable(failures: readonly { upstream: UpstreamRef; err: unknown }[]): GatewayError {
    return new GatewayError(
      'upstream_unavailable',
      failures.length > 0
        ? `No Ollama upstream could be reached: ${failures
            .map(({ upstream, err }) => `${upstream.name}: ${describeForClient(err)}`)
            .join('; ')}.`
        : 'No Ollama upstream is configured for this model.',
      { upstreamUrl: failures.map(({ upstream }) => upstream.url).join(', ') || undefined },
    );
  },

  /** Failed before any answer came: a timeout (naming the setting to raise) or another transport error. */
  beforeAnswer(upstream: UpstreamRef, err: unknown, setting?: string): GatewayError {
    if (isTimeoutError(err)) {
      const hint = setting ? `; raise ${setting} if it is still loading or generating` : '';
      return fail(
        upstream,
        'upstream_timeout',
        `Ollama (${upstream.name}) did not answer in time (${describeForClient(err)})${hint}.`,
        err,
      );
    }
    return fail(upstream, 'upstream_error', `Ollama (${upstream.name}) failed: ${describeForClient(err)}.`, err);
  },

  /** The health checks found the upstream wedged while requests waited on it. */
  wedged(upstream: UpstreamRef, err: unknown): GatewayError {
    return fail(
      upstream,
      'upstream_unavailable',
      `Ollama (${upstream.name}) stopped answering its health check (${describeForClient(err)}) while this request ` +
        'waited; check that Ollama is running and responsive, then retry.',
      err,
    );
  },

  /** The model list could not be read from any upstream. */
  noCatalog(err: unknown): GatewayError {
    return new GatewayError('upstream_unavailable', 'No Ollama upstream answered the model list.', { cause: err });
  },

  /**
   * A body failed after its headers: a stall hits the idle timeout (504), a dropped socket fails the read (502).
   * Both are the upstream's fault, never the 500 an unmapped undici error would become.
   */
  midBody(upstream: UpstreamRef, err: unknown, stream: boolean): GatewayError {
    if (err instanceof GatewayError) return err;
    if (isTimeoutError(err)) {
      return fail(
        upstream,
        'upstream_timeout',
        stream
          ? `Ollama (${upstream.name}) stalled mid-stream (idle timeout).`
          : `Ollama (${upstream.name}) stalled while sending its answer (idle timeout).`,
        err,
      );
    }
    return fail(
      upstream,
      'upstream_error',
      stream
        ? `Ollama (${upstream.name}) broke the stream: ${describeForClient(err)}.`
        : `Ollama (${upstream.name}) broke off its answer: ${describeForClient(err)}.`,
      err,
    );
  },

  malformedAnswer(upstream: UpstreamRef): GatewayError {
    return fail(upstream, 'upstream_error', `Ollama (${upstream.name}) returned a malformed JSON answer.`);
  },

  /** `what` says how (an event that is not JSON, ...): it comes from the gateway, never from the upstream. */
  malformedStream(upstream: UpstreamRef, err: unknown, what?: string): GatewayError {
    return err instanceof GatewayError
      ? err
      : fail(
          upstream,
          'upstream_error',
          `Ollama (${upstream.name}) sent a malformed stream${what ? ` (${what})` : ''}.`,
          err,
        );
  },

  streamCut(upstream: UpstreamRef): GatewayError {
    return fail(upstream, 'upstream_error', `Ollama (${upstream.name}) ended the stream before its final event.`);
  },

  /** Ollama's own error event, forwarded to the client as the stream's last one. */
  streamReported(upstream: UpstreamRef, message: string): GatewayError {
    return fail(upstream, 'upstream_error', `Ollama (${upstream.name}) reported an error mid-stream: ${message}`);
  },

  /** An error answer from Ollama, keeping its message where it helps the caller. */
  answer(status: number, payload: Buffer, upstream: UpstreamRef, model: string): GatewayError {
    const message = ollamaMessage(payload);
    if (status === 404) {
      return new GatewayError('model_not_found', `The model '${model}' is not available: ${message}`, {
        param: 'model',
      });
    }
    if (status >= 400 && status < 500) return new GatewayError('invalid_request', message);
    if (status === 503) {
      return fail(upstream, 'upstream_unavailable', `Ollama (${upstream.name}) is unavailable (503): ${message}`);
    }
    return fail(upstream, 'upstream_error', `Ollama (${upstream.name}) answered ${status}: ${message}`);
  },
};

/** Ollama's errors: {"error":"..."} natively, {"error":{"message"}} on /v1, {"type":"error","error":{...}} on /v1/messages. */
function ollamaMessage(payload: Buffer): string {
  const text = payload.toString('utf8').slice(0, 500);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text; // not JSON: keep the text
  }
  if (typeof parsed !== 'object' || parsed === null || !('error' in parsed)) return text;
  const error = parsed.error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') {
    return error.message;
  }
  return text;
}

/** Reads a whole upstream body, its failures mapped as the upstream's (504/502). */
export async function readWhole(body: ResponseBody, upstream: UpstreamRef): Promise<Buffer> {
  try {
    return await body.readAll();
  } catch (err) {
    throw upstreamFailures.midBody(upstream, err, false);
  }
}
