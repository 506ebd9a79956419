// The OpenAI endpoints the gateway relays to Ollama's same paths: chat completions, completions, embeddings and
// the Responses API (which Ollama translates to its chat itself).
import type { Endpoint, Usage } from '../types.js';
import { bound, count, pinnedSampling } from '../types.js';
import { isObject } from '../sse.js';
import { completionBound, ollamaRequestBody } from '../../upstream/ollama-request.js';
import { chatBody, completionBody, embeddingBody, responsesBody } from '../../routes/schemas.js';
import { ChatStreamReader, ResponsesStreamReader, responsesUsage } from './streams.js';
import { openaiProtocol, responsesProtocol } from './protocol.js';

function openaiUsage(answer: unknown): Usage {
  const usage = isObject(answer) && isObject(answer.usage) ? answer.usage : {};
  return { prompt: count(usage.prompt_tokens), completion: count(usage.completion_tokens) };
}

/** Ollama's reading of the OpenAI body (upstream/ollama-request.ts): bound renamed, listed model, stream usage asked. */
function ollamaBody(body: Record<string, unknown>, raw: Buffer, stream: boolean, model: string): string | Buffer {
  return ollamaRequestBody({ json: body, raw, stream, model });
}

const optIn = (body: Record<string, unknown>) => body.stream === true;

export const chatCompletions: Endpoint = {
  path: '/v1/chat/completions',
  protocol: openaiProtocol,
  schema: chatBody,
  streams: optIn,
  framing: 'sse',
  completionReserve: (body, fallback) => completionBound(body) ?? fallback,
  upstreamBody: ollamaBody,
  deterministic: (body) => pinnedSampling(body.temperature, body.seed),
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
  // No sampling: the same input always embeds the same.
  deterministic: () => true,
};

export const responses: Endpoint = {
  path: '/v1/responses',
  protocol: responsesProtocol,
  schema: responsesBody,
  streams: optIn,
  framing: 'sse',
  completionReserve: (body, fallback) => bound(fallback, body.max_output_tokens),
  // The Responses API has no seed.
  deterministic: (body) => pinnedSampling(body.temperature),
  wholeUsage: responsesUsage,
  streamReader: (ctx) => new ResponsesStreamReader(ctx),
};

export const OPENAI_ENDPOINTS: Endpoint[] = [chatCompletions, completions, embeddings, responses];
