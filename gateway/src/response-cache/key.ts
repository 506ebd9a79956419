// Response cache: which requests take part and under which key. The opt-in (per request `x-llmgw-cache`, else the
// API key's `cache` setting), and the entry id: sha256 over the endpoint, the model's digest (a pull that changes
// the weights changes every id), the API key (unless RESPONSE_CACHE_SHARED) and the body as canonical JSON.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { GatewayError } from '../errors.js';

/** The request header that opts one request in (`true`) or out (`false`), whatever its key's setting. */
export const CACHE_HEADER = 'x-llmgw-cache';

const headerValue = z.enum(['true', 'false']);

/**
 * What the request asks for: true/false from the header, or null when it sent none (the key's setting decides).
 * Anything else is a 400 that names the header, so a typo never silently caches (or bypasses).
 */
export function headerOptIn(value: string | string[] | undefined): boolean | null {
  if (value === undefined) return null;
  const parsed = headerValue.safeParse(typeof value === 'string' ? value.trim().toLowerCase() : value);
  if (!parsed.success) {
    throw new GatewayError('invalid_request', `The ${CACHE_HEADER} header must be 'true' or 'false'.`, {
      param: CACHE_HEADER,
    });
  }
  return parsed.data === 'true';
}

/**
 * JSON with every object's keys sorted, so two bodies that differ only in key order (or whitespace) share an
 * entry. Arrays keep their order: it is meaningful (messages, inputs).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const name of Object.keys(object).sort()) {
      if (object[name] === undefined) continue;
      parts.push(`${JSON.stringify(name)}:${canonicalJson(object[name])}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface EntryIdInput {
  path: string;
  /** The model as the catalog lists it (so `llama3` and `llama3:latest` share entries) and its digest. */
  model: string;
  digest: string;
  /** Whether the request streams: a stream's entry is its event text, a whole answer's is its body. */
  stream: boolean;
  /** The API key's id, or null when entries are shared across keys (RESPONSE_CACHE_SHARED). */
  keyId: string | null;
  body: Record<string, unknown>;
}

/** The entry id (hex sha256). The body's `model` is replaced by the listed name before hashing. */
export function entryId(input: EntryIdInput): string {
  const hash = createHash('sha256');
  // Length-free separators are safe here: every part but the body is free of NUL, and the body comes last.
  hash.update(
    `v1\0${input.path}\0${input.model}\0${input.digest}\0${input.stream ? 's' : 'w'}\0${input.keyId ?? '*'}\0`,
  );
  hash.update(canonicalJson({ ...input.body, model: input.model }));
  return hash.digest('hex');
}
