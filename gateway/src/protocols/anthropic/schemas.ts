// Request bodies of the Anthropic Messages API, validated at the edge; unknown fields pass through to Ollama.
import { z } from 'zod';

const model = z.string().min(1, 'model is required').max(256);

const message = z.looseObject({
  role: z.string().min(1).max(64),
  content: z.union([z.string(), z.array(z.unknown())]),
});

export const messagesBody = z.looseObject({
  model,
  messages: z.array(message).min(1, 'messages must contain at least one message'),
  max_tokens: z.number().int().positive().max(10_000_000),
  stream: z.boolean().nullish(),
});

export const countTokensBody = z.looseObject({
  model,
  messages: z.array(message).min(1, 'messages must contain at least one message'),
});
