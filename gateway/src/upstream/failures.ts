// Upstream failures → the gateway's error table, in one place: the pool (no upstream reachable, a connect or
// headers timeout, a wedged upstream), a whole answer's body (stall, broken socket, malformed JSON), a stream
// (stall, break, malformed or cut short, Ollama's own mid-stream error) and Ollama's error answers (its status
// and message). Every message names the upstream and, where one helps, the setting to change.
import type { ResponseBody } from './exchange.js';
import { GatewayError } from '../errors.js';

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

/** A transport error as one short phrase: its code, and its message when that adds something. */
export function describe(err: unknown): string {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return code ? `${code}${message && !message.includes(code) ? ` (${message})` : ''}` : message;
}

export const upstreamFailures = {
  /** No upstream left to try: `failures` lists each one tried and why. */
  unreachable(failures: readonly string[]): GatewayError {
    return new GatewayError(
      'upstream_unavailable',
      failures.length > 0
        ? `No Ollama upstream could be reached: ${failures.join('; ')}.`
        : 'No Ollama upstream is configured for this model.',
    );
  },

  /** Failed before any answer came: a timeout (naming the setting to raise) or another transport error. */
  beforeAnswer(upstreamUrl: string, err: unknown, setting?: string): GatewayError {
    if (isTimeoutError(err)) {
      const hint = setting ? `; raise ${setting} if it is still loading or generating` : '';
      return new GatewayError(
        'upstream_timeout',
        `Ollama at ${upstreamUrl} did not answer in time (${describe(err)})${hint}.`,
      );
    }
    return new GatewayError('upstream_error', `Ollama at ${upstreamUrl} failed: ${describe(err)}.`, { cause: err });
  },

  /** The health checks found the upstream wedged while requests waited on it. */
  wedged(upstreamUrl: string, err: unknown): GatewayError {
    return new GatewayError(
      'upstream_unavailable',
      `Ollama at ${upstreamUrl} stopped answering its health check (${describe(err)}) while this request waited; ` +
        'check that Ollama is running and responsive, then retry.',
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
  midBody(upstreamUrl: string, err: unknown, stream: boolean): GatewayError {
    if (err instanceof GatewayError) return err;
    if (isTimeoutError(err)) {
      return new GatewayError(
        'upstream_timeout',
        stream
          ? `Ollama at ${upstreamUrl} stalled mid-stream (idle timeout).`
          : `Ollama at ${upstreamUrl} stalled while sending its answer (idle timeout).`,
        { cause: err },
      );
    }
    return new GatewayError(
      'upstream_error',
      stream
        ? `Ollama at ${upstreamUrl} broke the stream: ${String(err)}.`
        : `Ollama at ${upstreamUrl} broke off its answer: ${String(err)}.`,
      { cause: err },
    );
  },

  malformedAnswer(upstreamUrl: string): GatewayError {
    return new GatewayError('upstream_error', `Ollama at ${upstreamUrl} returned a malformed JSON answer.`);
  },

  malformedStream(upstreamUrl: string, err: unknown): GatewayError {
    return err instanceof GatewayError
      ? err
      : new GatewayError('upstream_error', `Ollama at ${upstreamUrl} sent a malformed stream.`);
  },

  streamCut(upstreamUrl: string): GatewayError {
    return new GatewayError('upstream_error', `Ollama at ${upstreamUrl} ended the stream before its final event.`);
  },

  /** Ollama's own error event, forwarded to the client as the stream's last one. */
  streamReported(upstreamUrl: string, message: string): GatewayError {
    return new GatewayError('upstream_error', `Ollama at ${upstreamUrl} reported an error mid-stream: ${message}`);
  },

  /** An error answer from Ollama, keeping its message where it helps the caller. */
  answer(status: number, payload: Buffer, upstreamUrl: string, model: string): GatewayError {
    const message = ollamaMessage(payload);
    if (status === 404) {
      return new GatewayError('model_not_found', `The model '${model}' is not available: ${message}`, {
        param: 'model',
      });
    }
    if (status >= 400 && status < 500) return new GatewayError('invalid_request', message);
    if (status === 503) {
      return new GatewayError('upstream_unavailable', `Ollama at ${upstreamUrl} is unavailable (503): ${message}`);
    }
    return new GatewayError('upstream_error', `Ollama at ${upstreamUrl} answered ${status}: ${message}`);
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
export async function readWhole(body: ResponseBody, upstreamUrl: string): Promise<Buffer> {
  try {
    return await body.readAll();
  } catch (err) {
    throw upstreamFailures.midBody(upstreamUrl, err, false);
  }
}
