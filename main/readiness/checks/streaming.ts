// Check 11: an SSE chat arrives as several chunks, ends with [DONE], and carries usage when asked
// (stream_options.include_usage). A terminal error event or a stream without [DONE] fails it.
import { networkError } from '../errors.js';
import { bearer, clip } from '../http.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';

interface StreamSeen {
  status: number;
  contentType: string;
  events: number;
  contentChunks: number;
  done: boolean;
  usage: unknown;
  error: unknown;
  text: string;
  firstEventMs: number | null;
  totalMs: number;
  tail: string;
}

async function readStream(url: string, key: string, model: string, signal: AbortSignal): Promise<StreamSeen> {
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        model,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Say hello in five words.' }],
        max_tokens: 48,
      }),
      signal,
    });
  } catch (err) {
    throw networkError(url, err);
  }
  const seen: StreamSeen = {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    events: 0,
    contentChunks: 0,
    done: false,
    usage: null,
    error: null,
    text: '',
    firstEventMs: null,
    totalMs: 0,
    tail: '',
  };
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const bytes of response.body ?? []) {
      buffer += decoder.decode(bytes as Uint8Array, { stream: true });
      let cut: number;
      while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
        const data = event
          .split(/\r?\n/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (!data) continue;
        seen.events += 1;
        seen.firstEventMs ??= Math.round(performance.now() - started);
        if (data === '[DONE]') {
          seen.done = true;
          continue;
        }
        try {
          const chunk = JSON.parse(data) as {
            error?: unknown;
            usage?: unknown;
            choices?: Array<{ delta?: { content?: string } }>;
          };
          if (chunk.error) seen.error = chunk.error;
          if (chunk.usage) seen.usage = chunk.usage;
          const piece = chunk.choices?.[0]?.delta?.content;
          if (typeof piece === 'string' && piece.length > 0) {
            seen.contentChunks += 1;
            seen.text += piece;
          }
        } catch {
          seen.error = `an event that is not JSON: ${clip(data, 80)}`;
        }
      }
    }
  } catch (err) {
    seen.error = `the stream broke: ${(err as Error).message}`;
  }
  seen.tail = clip(buffer, 120);
  seen.totalMs = Math.round(performance.now() - started);
  return seen;
}

export const streamingCheck: CheckDefinition = {
  id: 'streaming',
  number: 11,
  title: 'Streaming (SSE)',
  timeoutMs: 120_000,
  async run(ctx): Promise<CheckOutcome> {
    const [key, model] = [await ctx.key(), await ctx.model()];
    const seen = await readStream(`${ctx.url}/v1/chat/completions`, key, model, ctx.signal);
    const { text, tail, ...details } = { ...seen, model, answer: clip(seen.text, 200) };
    const problems: string[] = [];
    if (seen.status !== 200) problems.push(`status ${seen.status}`);
    else if (!seen.contentType.startsWith('text/event-stream')) problems.push(`content-type ${seen.contentType}`);
    if (seen.error) problems.push(`error event ${clip(JSON.stringify(seen.error), 120)}`);
    if (seen.contentChunks < 2) problems.push(`${seen.contentChunks} content chunk(s), expected several`);
    if (!seen.done) problems.push(`no [DONE]${tail ? ` (unterminated: ${tail})` : ''}`);
    if (!seen.usage) problems.push('no usage chunk although include_usage was asked');
    if (problems.length > 0) {
      return {
        status: 'fail',
        summary: `${model}: ${problems.join('; ')}`,
        fix: 'Streams must pass through unbuffered and intact: check the upstream (Ollama) and that the proxy does not buffer SSE.',
        details,
      };
    }
    return {
      status: 'pass',
      summary: `${model}: ${seen.contentChunks} chunks, first after ${seen.firstEventMs} ms, [DONE] after ${seen.totalMs} ms, usage included`,
      details,
    };
  },
};
