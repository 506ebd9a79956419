// Stream readers of the OpenAI endpoints. Chat/completions: `data:` chunks ending in `data: [DONE]`, usage in the
// last chunk (asked of Ollama always, forwarded only when the client asked). Responses: named events ending in
// response.completed / response.incomplete / response.failed, whose `response.usage` has the token counts.
import type { StreamContext, Usage } from '../types.js';
import { BaseReader, count } from '../types.js';
import { eventJson, isObject, parseSseEvent } from '../sse.js';

const DONE = 'data: [DONE]';

export class ChatStreamReader extends BaseReader {
  private readonly forwardUsage: boolean;

  constructor(ctx: StreamContext) {
    super(ctx);
    const options = ctx.body.stream_options;
    this.forwardUsage = isObject(options) && options.include_usage === true;
  }

  take(raw: string): string {
    if (raw.startsWith(DONE)) {
      this.finished = true;
      return `${DONE}\n\n`;
    }
    const event = parseSseEvent(raw, this.ctx.upstream);
    if (!event) return `${raw}\n\n`; // comment / keep-alive
    const chunk = eventJson(event.data, this.ctx.upstream);
    if (chunk.error !== undefined) {
      this.upstreamError = errorMessage(chunk.error);
      return `${raw}\n\n`;
    }
    if (isObject(chunk.usage)) {
      // Only the final usage chunk (`choices: []`) is the real count: with include_usage Ollama's /v1/completions
      // also puts an all-zero usage on every content chunk. A stream cut before the final chunk falls back to the
      // estimate (see the proxy), never to those zeros.
      const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0;
      if (usageOnly) {
        this.usage = { prompt: count(chunk.usage.prompt_tokens), completion: count(chunk.usage.completion_tokens) };
        return this.forwardUsage ? `${raw}\n\n` : '';
      }
      if (!this.forwardUsage) {
        this.chunks += 1;
        const { usage: _dropped, ...rest } = chunk;
        return `data: ${JSON.stringify(rest)}\n\n`;
      }
    }
    this.chunks += 1;
    return `${raw}\n\n`;
  }
}

const RESPONSES_FINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const RESPONSES_CONTENT = new Set([
  'response.output_text.delta',
  'response.function_call_arguments.delta',
  'response.reasoning_summary_text.delta',
]);

export class ResponsesStreamReader extends BaseReader {
  take(raw: string): string {
    const event = parseSseEvent(raw, this.ctx.upstream);
    if (!event) return `${raw}\n\n`;
    const data = eventJson(event.data, this.ctx.upstream);
    const type = typeof data.type === 'string' ? data.type : event.name;
    if (type === 'error') {
      this.upstreamError = typeof data.message === 'string' ? data.message : errorMessage(data.error);
    } else if (type !== null && RESPONSES_CONTENT.has(type)) {
      this.chunks += 1;
    } else if (type !== null && RESPONSES_FINAL.has(type)) {
      this.finished = true;
      if (isObject(data.response)) this.usage = responsesUsage(data.response);
      // A failed response is the stream's terminal event too, but the request is recorded as an error.
      if (type === 'response.failed') {
        const error = isObject(data.response) ? data.response.error : undefined;
        this.upstreamError = error === undefined || error === null ? 'the response failed' : errorMessage(error);
      }
    }
    return `${raw}\n\n`;
  }
}

/** `usage.input_tokens/output_tokens` of a Responses object (streamed or whole). */
export function responsesUsage(response: unknown): Usage {
  const usage = isObject(response) && isObject(response.usage) ? response.usage : {};
  return { prompt: count(usage.input_tokens), completion: count(usage.output_tokens) };
}

export function errorMessage(error: unknown): string {
  if (typeof error === 'string') return error;
  if (isObject(error) && typeof error.message === 'string') return error.message;
  return 'unknown error';
}
