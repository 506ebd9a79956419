// Request bodies of Ollama's native inference API, validated at the edge; unknown fields pass through.
import { z } from 'zod';

const model = z.string().min(1, 'model is required').max(256);
const options = z.looseObject({ num_predict: z.number().int().nullish() }).nullish();

/** /api/chat: empty `messages` is Ollama's load/unload request, so it is allowed. */
export const nativeChatBody = z.looseObject({
  model,
  messages: z.array(z.looseObject({ role: z.string().min(1).max(64) })).nullish(),
  stream: z.boolean().nullish(),
  options,
});

/** /api/generate: an empty prompt loads/unloads the model. */
export const nativeGenerateBody = z.looseObject({
  model,
  prompt: z.string().nullish(),
  stream: z.boolean().nullish(),
  options,
});

export const nativeEmbedBody = z.looseObject({
  model,
  input: z.union([z.string(), z.array(z.string())]),
});

export const nativeEmbeddingsBody = z.looseObject({
  model,
  prompt: z.string().nullish(),
});

/** /api/show takes `model` (or the older `name`); the output's `shown` is whichever was given. */
export const showBody = z
  .looseObject({ model: z.string().max(256).nullish(), name: z.string().max(256).nullish() })
  .refine((body) => Boolean(body.model || body.name), { message: 'model is required', path: ['model'] })
  .transform((body) => ({ ...body, shown: body.model || body.name || '' }));
