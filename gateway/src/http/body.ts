// Reads a request body with a byte limit and parses it as strict UTF-8 JSON, failing with 413 or 400.
// An oversize body is not cut off mid-upload: clients that send without `Expect: 100-continue` (Node's fetch, the
// openai SDK, any naive client) would see EPIPE instead of the 413, because closing a socket with unread data resets
// it and the answer is lost. The rest is read and discarded first, within bounds (nginx's lingering close).
import type { IncomingMessage } from 'node:http';
import type { RequestContext } from './context.js';
import { GatewayError } from '../errors.js';
import { DEFAULT_BODY_LINGER, type GatewayConfig } from '../config.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface BodyLimits {
  maxBytes: number;
  /** How long the rest of an oversize body is still read (and discarded) before the 413 and the close. */
  lingerMs: number;
  /** How many bytes of that rest at most; a body declared bigger is not read at all. */
  lingerBytes: number;
}

/** The body limits the configuration sets. */
export function bodyLimits(
  config: Pick<GatewayConfig, 'MAX_BODY_BYTES' | 'BODY_LINGER_MS' | 'BODY_LINGER_BYTES'>,
): BodyLimits {
  return { maxBytes: config.MAX_BODY_BYTES, lingerMs: config.BODY_LINGER_MS, lingerBytes: config.BODY_LINGER_BYTES };
}

function limitsOf(limits: BodyLimits | number): BodyLimits {
  return typeof limits === 'number' ? { maxBytes: limits, ...DEFAULT_BODY_LINGER } : limits;
}

export function readBody(ctx: RequestContext, limitsOrMax: BodyLimits | number): Promise<Buffer> {
  const limits = limitsOf(limitsOrMax);
  const { req } = ctx;
  const maxBytes = limits.maxBytes;
  const tooLarge = () =>
    new GatewayError(
      'request_too_large',
      `Request body is larger than the limit of ${maxBytes} bytes; send at most ${maxBytes} bytes.`,
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    // The connection is not reused after this answer: the rest of the upload is discarded, not parsed.
    ctx.res.shouldKeepAlive = false;
    return discardRest(req, limits, declared).then(() => Promise.reject(tooLarge()));
  }
  // Plain 'data'/'end' listeners rather than `for await`: the async iterator costs a promise per chunk.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let overflow = false; // past the limit: only the 413 may settle, once the rest is discarded
    const settle = (error: Error | null) => {
      if (settled || (overflow && !(error instanceof GatewayError))) return;
      settled = true;
      req.off('data', onData);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        ctx.res.shouldKeepAlive = false;
        overflow = true;
        req.off('data', onData);
        chunks.length = 0;
        void discardRest(req, limits, NaN).then(() => settle(tooLarge()));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => settle(null));
    req.once('error', (err) => settle(err));
    // A client that goes away mid-upload closes the request without 'end'.
    // (Checked first: 'close' also follows every normal 'end', and building an Error captures a stack trace.)
    req.once('close', () => {
      if (!settled) settle(new Error('The client closed the connection before the body was complete.'));
    });
  });
}

/**
 * Reads and discards the rest of an upload until it ends, `lingerBytes` were discarded or `lingerMs` passed,
 * whichever comes first; then stops reading (the connection closes after the answer). A body declared larger than
 * the bound is not read at all: it would be cut anyway, so it gets no time.
 */
function discardRest(req: IncomingMessage, limits: BodyLimits, declared: number): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed || declared > limits.maxBytes + limits.lingerBytes) {
      req.pause();
      resolve();
      return;
    }
    let discarded = 0;
    const done = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      if (!req.readableEnded) req.pause();
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      discarded += chunk.length;
      if (discarded > limits.lingerBytes) done();
    };
    const timer = setTimeout(done, limits.lingerMs);
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.resume();
  });
}

export interface JsonBody {
  json: unknown;
  /** The bytes as received, forwarded unchanged when the gateway needs no edit. */
  raw: Buffer;
}

/**
 * Deepest nesting a request body may have. Real requests (messages, tool schemas) stay far below it; a body nested
 * thousands deep overflows JSON.stringify later (a 500 after admission) and costs the event loop, so it is a 400 here.
 */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of JSON text, counting brackets outside strings (one pass over the bytes, no parse). */
export function exceedsDepth(body: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export async function readJson(ctx: RequestContext, limits: BodyLimits | number): Promise<JsonBody> {
  const contentType = ctx.req.headers['content-type'];
  // Lenient on purpose: `curl -d` sends form-urlencoded headers with a JSON body. Only multipart is refused.
  if (contentType && /^multipart\//i.test(contentType)) {
    throw new GatewayError('unsupported_media_type', 'Send the request body as JSON (Content-Type: application/json).');
  }
  const body = await readBody(ctx, limits);
  if (body.length === 0) throw new GatewayError('invalid_json', 'The request body is empty; send a JSON object.');
  if (exceedsDepth(body, MAX_JSON_DEPTH)) {
    throw new GatewayError('invalid_json', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new GatewayError('invalid_json', 'The request body is not valid UTF-8.');
  }
  try {
    return { json: JSON.parse(text) as unknown, raw: body };
  } catch (err) {
    throw new GatewayError('invalid_json', `The request body is not valid JSON: ${(err as Error).message}`);
  }
}
