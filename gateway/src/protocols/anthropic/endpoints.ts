// POST /v1/messages, relayed to Ollama's own Anthropic-compatible endpoint (Ollama translates to its chat).
import type { Endpoint } from '../types.js';
import { bound, count, pinnedSampling } from '../types.js';
import { isObject } from '../sse.js';
import { messagesBody } from './schemas.js';
import { MessagesStreamReader } from './stream.js';
import { anthropicProtocol } from './protocol.js';

export const messages: Endpoint = {
  path: '/v1/messages',
  protocol: anthropicProtocol,
  schema: messagesBody,
  streams: (body) => body.stream === true,
  framing: 'sse',
  completionReserve: (body, fallback) => bound(fallback, body.max_tokens),
  // The Messages API has no seed: only temperature 0 pins it.
  deterministic: (body) => pinnedSampling(body.temperature),
  wholeUsage(answer) {
    const usage = isObject(answer) && isObject(answer.usage) ? answer.usage : {};
    return { prompt: count(usage.input_tokens), completion: count(usage.output_tokens) };
  },
  streamReader: (ctx) => new MessagesStreamReader(ctx),
};

export const ANTHROPIC_ENDPOINTS: Endpoint[] = [messages];
