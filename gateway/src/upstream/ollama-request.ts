// The request body sent to Ollama: the client's body, edited only where Ollama reads it differently from OpenAI.
// - `max_completion_tokens`: Ollama reads only `max_tokens` (ollama#7125) and would generate unbounded while the
//   gateway reserved tokens for the client's bound; it becomes `max_tokens` (the client's own `max_tokens` wins).
// - `model`: the name as Ollama lists it, so answers carry the same name /v1/models shows.
// - streams always ask for usage (`stream_options.include_usage`); the relay hides it unless the client asked.
// With nothing to edit the received bytes go on unchanged (no re-serialisation on the hot path).

export interface RewriteInput {
  json: Record<string, unknown>;
  raw: Buffer;
  stream: boolean;
  /** The model's name as Ollama lists it. */
  model: string;
}

export function ollamaRequestBody({ json, raw, stream, model }: RewriteInput): Buffer | string {
  const renameBound = json.max_completion_tokens !== undefined && json.max_completion_tokens !== null;
  const renameModel = json.model !== model;
  if (!stream && !renameBound && !renameModel) return raw;
  const body: Record<string, unknown> = { ...json, model };
  if (renameBound) {
    body.max_tokens ??= json.max_completion_tokens;
    delete body.max_completion_tokens;
  }
  if (stream) {
    const clientOptions = (json.stream_options ?? undefined) as Record<string, unknown> | undefined;
    body.stream_options = { ...clientOptions, include_usage: true };
  }
  return JSON.stringify(body);
}

/** The completion bound the client asked for, under either name (the reservation follows what Ollama will use). */
export function completionBound(json: Record<string, unknown>): number | undefined {
  const bound = json.max_tokens ?? json.max_completion_tokens;
  return typeof bound === 'number' ? bound : undefined;
}
