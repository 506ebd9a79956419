// Ollama's native inference endpoints: /api/chat and /api/generate stream NDJSON by default (unless
// `stream: false`); the token bound is options.num_predict; usage is prompt_eval_count / eval_count.
import type { Endpoint, Usage } from '../types.js';
import { bound, count, pinnedSampling } from '../types.js';
import { isObject } from '../sse.js';
import { nativeChatBody, nativeEmbedBody, nativeEmbeddingsBody, nativeGenerateBody } from './schemas.js';
import { NdjsonStreamReader } from './stream.js';
import { ollamaProtocol } from './protocol.js';

function nativeUsage(answer: unknown): Usage {
  if (!isObject(answer)) return { prompt: null, completion: null };
  return { prompt: count(answer.prompt_eval_count), completion: count(answer.eval_count) };
}

function numPredict(body: Record<string, unknown>, fallback: number): number {
  // -1 (unbounded) and -2 (fill the context) are not bounds: the default reserve applies.
  return bound(fallback, isObject(body.options) ? body.options.num_predict : undefined);
}

/** options.temperature 0 or options.seed pins the sampling. */
function pinnedOptions(body: Record<string, unknown>): boolean {
  return isObject(body.options) && pinnedSampling(body.options.temperature, body.options.seed);
}

export const nativeChat: Endpoint = {
  path: '/api/chat',
  protocol: ollamaProtocol,
  schema: nativeChatBody,
  streams: (body) => body.stream !== false,
  framing: 'ndjson',
  completionReserve: numPredict,
  // No messages is Ollama's load/unload request: it must always reach Ollama, so it is never cached.
  deterministic: (body) => Array.isArray(body.messages) && body.messages.length > 0 && pinnedOptions(body),
  wholeUsage: nativeUsage,
  streamReader: (ctx) => new NdjsonStreamReader(ctx),
};

export const nativeGenerate: Endpoint = {
  ...nativeChat,
  path: '/api/generate',
  schema: nativeGenerateBody,
  // An empty prompt is the load/unload request (see /api/chat).
  deterministic: (body) => typeof body.prompt === 'string' && body.prompt.length > 0 && pinnedOptions(body),
};

export const nativeEmbed: Endpoint = {
  ...nativeChat,
  path: '/api/embed',
  schema: nativeEmbedBody,
  streams: () => false,
  completionReserve: () => 0,
  deterministic: () => true,
};

export const nativeEmbeddings: Endpoint = { ...nativeEmbed, path: '/api/embeddings', schema: nativeEmbeddingsBody };

export const OLLAMA_ENDPOINTS: Endpoint[] = [nativeChat, nativeGenerate, nativeEmbed, nativeEmbeddings];
