// Stream reader of native /api/chat and /api/generate: one JSON object per line (NDJSON); the last has
// `done: true` with prompt_eval_count / eval_count; a line with `error` is Ollama's mid-stream failure.
import { BaseReader, count } from '../types.js';
import { malformedStream } from '../sse.js';

export class NdjsonStreamReader extends BaseReader {
  take(line: string): string {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch {
      throw malformedStream(this.ctx.upstream, 'a line that is not JSON');
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw malformedStream(this.ctx.upstream, 'a line that is not a JSON object');
    }
    const object = data as Record<string, unknown>;
    if (object.error !== undefined) {
      this.upstreamError = typeof object.error === 'string' ? object.error : JSON.stringify(object.error);
    } else if (object.done === true) {
      this.finished = true;
      this.usage = { prompt: count(object.prompt_eval_count), completion: count(object.eval_count) };
    } else {
      this.chunks += 1;
    }
    return `${line}\n`;
  }
}
