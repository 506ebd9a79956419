// Stream reader of /v1/messages: named SSE events. `message_start` carries usage.input_tokens, `message_delta`
// usage.output_tokens, content arrives as `content_block_delta`, `message_stop` ends it; `error` is terminal.
import { BaseReader, count } from '../types.js';
import { eventJson, isObject, parseSseEvent } from '../sse.js';

export class MessagesStreamReader extends BaseReader {
  take(raw: string): string {
    const event = parseSseEvent(raw, this.ctx.upstream);
    if (!event) return `${raw}\n\n`;
    const data = eventJson(event.data, this.ctx.upstream);
    const type = typeof data.type === 'string' ? data.type : event.name;
    switch (type) {
      case 'message_start': {
        const usage = isObject(data.message) && isObject(data.message.usage) ? data.message.usage : {};
        this.usage = { prompt: count(usage.input_tokens), completion: this.usage.completion };
        break;
      }
      case 'content_block_delta':
        this.chunks += 1;
        break;
      case 'message_delta': {
        const usage = isObject(data.usage) ? data.usage : {};
        this.usage = {
          prompt: count(usage.input_tokens) ?? this.usage.prompt,
          completion: count(usage.output_tokens) ?? this.usage.completion,
        };
        break;
      }
      case 'message_stop':
        this.finished = true;
        break;
      case 'error':
        this.upstreamError =
          isObject(data.error) && typeof data.error.message === 'string' ? data.error.message : 'unknown error';
        break;
      default:
        break;
    }
    return `${raw}\n\n`;
  }
}
