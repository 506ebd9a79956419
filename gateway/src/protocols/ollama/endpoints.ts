// Ollama's native inference endpoints: /api/chat and /api/generate stream NDJSON by default (unless
// `stream: false`); the token bound is options.num_predict; usage is prompt_eval_count / eval_count.
import type { Endpoint, Usage } from '../types.js';
import { bound, count } from '../types.js';
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

export const nativeChat: Endpoint = {
  path: '/api/chat',
  protocol: ollamaProtocol,
  schema: nativeChatBody,
  streams: (body) => body.stream !== false,
  framing: 'ndjson',
  completionReserve: numPredict,
  wholeUsage: nativeUsage,
  streamReader: (ctx) => new NdjsonStreamReader(ctx),
};

export const nativeGenerate: Endpoint = { ...nativeChat, path: '/api/generate', schema: nativeGenerateBody };

export const nativeEmbed: Endpoint = {
  ...nativeChat,
  path: '/api/embed',
  schema: nativeEmbedBody,
  streams: () => false,
  completionReserve: () => 0,
};

export const nativeEmbeddings: Endpoint = { ...nativeEmbed, path: '/api/embeddings', schema: nativeEmbeddingsBody };

export const OLLAMA_ENDPOINTS: Endpoint[] = [nativeChat, nativeGenerate, nativeEmbed, nativeEmbeddings];
