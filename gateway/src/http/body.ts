// Reads a request body with a byte limit and parses it as strict UTF-8 JSON, failing with 413 or 400.
import type { RequestContext } from './context.js';
import { GatewayError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readBody(ctx: RequestContext, maxBytes: number): Promise<Buffer> {
  const { req } = ctx;
  const tooLarge = () =>
    new GatewayError('request_too_large', `Request body is larger than the limit of ${maxBytes} bytes.`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    // Answer at once; the rest of the upload is not read, so the connection must not be reused.
    ctx.res.shouldKeepAlive = false;
    req.resume();
    return Promise.reject(tooLarge());
  }
  // Plain 'data'/'end' listeners rather than `for await`: the async iterator costs a promise per chunk.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        ctx.res.shouldKeepAlive = false;
        req.resume();
        settle(tooLarge());
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

export interface JsonBody {
  json: unknown;
  /** The bytes as received, forwarded unchanged when the gateway needs no edit. */
  raw: Buffer;
}

export async function readJson(ctx: RequestContext, maxBytes: number): Promise<JsonBody> {
  const contentType = ctx.req.headers['content-type'];
  // Lenient on purpose: `curl -d` sends form-urlencoded headers with a JSON body. Only multipart is refused.
  if (contentType && /^multipart\//i.test(contentType)) {
    throw new GatewayError('unsupported_media_type', 'Send the request body as JSON (Content-Type: application/json).');
  }
  const body = await readBody(ctx, maxBytes);
  if (body.length === 0) throw new GatewayError('invalid_json', 'The request body is empty; send a JSON object.');
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
