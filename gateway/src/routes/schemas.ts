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
  prompt: z.union([z.string(), z.array(z.string()), z.array(z.number()), z.array(z.array(z.number()))]),
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  max_tokens: maxTokens,
});

export const embeddingBody = z.looseObject({
  model,
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.number()).min(1),
    z.array(z.array(z.number())).min(1),
  ]),
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
  const detail = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  throw new GatewayError('invalid_request', `Invalid request body: '${param ?? 'body'}' ${detail}.`, {
    ...(param ? { param } : {}),
  });
}

/** POST /v1/responses: Ollama translates `input`/`instructions`/tools itself; the gateway reads only these. */
export const responsesBody = z.looseObject({
  model,
  input: z.union([z.string(), z.array(z.unknown())]).optional(),
  stream: z.boolean().nullish(),
  max_output_tokens: maxTokens,
});
