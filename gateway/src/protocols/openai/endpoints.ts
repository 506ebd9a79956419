// The OpenAI endpoints the gateway relays to Ollama's same paths: chat completions, completions, embeddings and
// the Responses API (which Ollama translates to its chat itself).
import type { Endpoint, Usage } from '../types.js';
import { bound, count } from '../types.js';
import { isObject } from '../sse.js';
import { chatBody, completionBody, embeddingBody, responsesBody } from '../../routes/schemas.js';
import { ChatStreamReader, ResponsesStreamReader, responsesUsage } from './streams.js';
import { openaiProtocol, responsesProtocol } from './protocol.js';

function openaiUsage(answer: unknown): Usage {
  const usage = isObject(answer) && isObject(answer.usage) ? answer.usage : {};
  return { prompt: count(usage.prompt_tokens), completion: count(usage.completion_tokens) };
}

/** Streams always ask Ollama for usage (accounting needs it); the reader hides it unless the client asked. */
function withStreamUsage(body: Record<string, unknown>, raw: Buffer, stream: boolean): string | Buffer {
  if (!stream) return raw;
  const options = isObject(body.stream_options) ? body.stream_options : {};
  return JSON.stringify({ ...body, stream_options: { ...options, include_usage: true } });
}

const optIn = (body: Record<string, unknown>) => body.stream === true;

export const chatCompletions: Endpoint = {
  path: '/v1/chat/completions',
  protocol: openaiProtocol,
  schema: chatBody,
  streams: optIn,
  framing: 'sse',
  completionReserve: (body, fallback) => bound(fallback, body.max_tokens, body.max_completion_tokens),
  upstreamBody: withStreamUsage,
  wholeUsage: openaiUsage,
  streamReader: (ctx) => new ChatStreamReader(ctx),
};

export const completions: Endpoint = {
  ...chatCompletions,
  path: '/v1/completions',
  schema: completionBody,
  completionReserve: (body, fallback) => bound(fallback, body.max_tokens),
};

export const embeddings: Endpoint = {
  ...chatCompletions,
  path: '/v1/embeddings',
  schema: embeddingBody,
  streams: () => false,
  completionReserve: () => 0,
  upstreamBody: undefined,
};

export const responses: Endpoint = {
  path: '/v1/responses',
  protocol: responsesProtocol,
  schema: responsesBody,
  streams: optIn,
  framing: 'sse',
  completionReserve: (body, fallback) => bound(fallback, body.max_output_tokens),
  wholeUsage: responsesUsage,
  streamReader: (ctx) => new ResponsesStreamReader(ctx),
};

export const OPENAI_ENDPOINTS: Endpoint[] = [chatCompletions, completions, embeddings, responses];
