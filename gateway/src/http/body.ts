// Reads a request body with a byte limit and parses it as strict UTF-8 JSON, failing with 413 or 400.
import type { RequestContext } from './context.js';
import { GatewayError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function readBody(ctx: RequestContext, maxBytes: number): Promise<Buffer> {
  const { req } = ctx;
  const tooLarge = () =>
    new GatewayError('request_too_large', `Request body is larger than the limit of ${maxBytes} bytes.`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    // Answer at once; the rest of the upload is not read, so the connection must not be reused.
    ctx.res.shouldKeepAlive = false;
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      ctx.res.shouldKeepAlive = false;
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
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
