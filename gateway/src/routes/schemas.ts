// Request bodies of the OpenAI endpoints, validated at the edge. Unknown fields pass through to Ollama untouched.
import { z } from 'zod';
import { GatewayError } from '../errors.js';

const model = z.string().min(1, 'model is required').max(256);
const maxTokens = z.number().int().positive().max(10_000_000).nullish();
const streamOptions = z.looseObject({ include_usage: z.boolean().nullish() }).nullish();

const message = z.looseObject({
  role: z.string().min(1).max(64),
  content: z.union([z.string(), z.array(z.unknown()), z.null()]).optional(),
});

export const chatBody = z.looseObject({
  model,
  messages: z.array(message).min(1, 'messages must contain at least one message'),
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  max_tokens: maxTokens,
  max_completion_tokens: maxTokens,
});

export const completionBody = z.looseObject({
  model,
  // Ollama reads `prompt` as one string and answers 400 to arrays (token ids or a batch); refusing here, before
  // admission, keeps that 400 from being charged to the key.
  prompt: z.string({
    error: 'must be one string: Ollama takes no token arrays or prompt batches (send one request per prompt)',
  }),
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  max_tokens: maxTokens,
});

export const embeddingBody = z.looseObject({
  model,
  // Ollama embeds text only: token-id arrays are refused here, before admission (Ollama would answer 400).
  input: z.union([z.string(), z.array(z.string()).min(1)], {
    error: 'must be a string or a non-empty array of strings: Ollama takes no token arrays',
  }),
});

export type ProxyBody = z.output<typeof chatBody> | z.output<typeof completionBody> | z.output<typeof embeddingBody>;

/** Parses with `schema`; the first issue becomes a 400 naming the offending field (OpenAI's `param`). */
export function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const param = issue.path.map(String).join('.') || undefined;
  // zod does not keep the offending input on the issue, so "missing" is read from the body itself.
  const missing = issue.path.length > 0 && valueAt(value, issue.path) === undefined;
  const detail = missing ? 'is required' : issue.message;
  throw new GatewayError('invalid_request', `Invalid request body: '${param ?? 'body'}' ${detail}.`, {
    ...(param ? { param } : {}),
  });
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = value;
  for (const step of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[step];
  }
  return at;
}

/** POST /v1/responses: Ollama translates `input`/`instructions`/tools itself; the gateway reads only these. */
export const responsesBody = z.looseObject({
  model,
  input: z.union([z.string(), z.array(z.unknown())]).optional(),
  stream: z.boolean().nullish(),
  max_output_tokens: maxTokens,
});
