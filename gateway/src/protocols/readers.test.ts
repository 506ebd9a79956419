// The protocol stream readers on their own: what each takes as usage, counts as content, treats as the end or
// as an upstream error, and what it refuses as malformed (the relay turns that into the protocol's error event).
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { parseSseEvent } from './sse.js';
import { ChatStreamReader, ResponsesStreamReader } from './openai/streams.js';
import { MessagesStreamReader } from './anthropic/stream.js';
import { NdjsonStreamReader } from './ollama/stream.js';
import { anthropicError } from './anthropic/protocol.js';
import { ollamaProtocol } from './ollama/protocol.js';

const upstream = { name: 'upstream 1', url: 'http://ollama.test' };
const ctx = (body: Record<string, unknown> = {}) => ({ body, upstream });
const sse = (event: string | null, data: unknown) =>
  `${event === null ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}`;

describe('parseSseEvent', () => {
  it('reads the event name and joins multi-line data', () => {
    expect(parseSseEvent('event: ping\ndata: {"a":\ndata: 1}', upstream)).toEqual({ name: 'ping', data: '{"a":\n1}' });
    expect(parseSseEvent('data:{"x":1}', upstream)).toEqual({ name: null, data: '{"x":1}' });
  });
  it('passes comments and refuses a named event without data', () => {
    expect(parseSseEvent(': keep-alive', upstream)).toBeNull();
    expect(() => parseSseEvent('event: message_stop', upstream)).toThrow(GatewayError);
  });
});

describe('chat completions reader', () => {
  it('counts only the final usage chunk and hides it unless the client asked', () => {
    const reader = new ChatStreamReader(ctx());
    const content = { choices: [{ delta: { content: 'hi' } }], usage: { prompt_tokens: 0, completion_tokens: 0 } };
    expect(reader.take(sse(null, content))).not.toContain('usage');
    expect(reader.usage).toEqual({ prompt: null, completion: null });
    expect(reader.take(sse(null, { choices: [], usage: { prompt_tokens: 7, completion_tokens: 3 } }))).toBe('');
    expect(reader.usage).toEqual({ prompt: 7, completion: 3 });
    expect(reader.take('data: [DONE]')).toBe('data: [DONE]\n\n');
    expect(reader.finished).toBe(true);
    const asked = new ChatStreamReader(ctx({ stream_options: { include_usage: true } }));
    expect(asked.take(sse(null, { choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } }))).toContain(
      'usage',
    );
  });
});

describe('responses reader', () => {
  it('counts deltas and takes usage from response.completed', () => {
    const reader = new ResponsesStreamReader(ctx());
    reader.take(sse('response.created', { type: 'response.created', response: {} }));
    reader.take(sse('response.output_text.delta', { type: 'response.output_text.delta', delta: 'a' }));
    reader.take(sse('response.output_text.delta', { type: 'response.output_text.delta', delta: 'b' }));
    expect(reader.chunks).toBe(2);
    expect(reader.finished).toBe(false);
    reader.take(
      sse('response.completed', {
        type: 'response.completed',
        response: { usage: { input_tokens: 9, output_tokens: 2 } },
      }),
    );
    expect(reader.finished).toBe(true);
    expect(reader.usage).toEqual({ prompt: 9, completion: 2 });
    expect(reader.upstreamError).toBeNull();
  });
  it('treats response.failed as the end of a failed request', () => {
    const reader = new ResponsesStreamReader(ctx());
    const failed = {
      type: 'response.failed',
      response: { error: { code: 'server_error', message: 'model crashed' }, usage: null },
    };
    expect(reader.take(sse('response.failed', failed))).toContain('response.failed');
    expect(reader).toMatchObject({ finished: true, upstreamError: 'model crashed' });
  });
});

describe('messages reader', () => {
  it('takes input_tokens from message_start, corrected by message_delta, and ends at message_stop', () => {
    const reader = new MessagesStreamReader(ctx());
    reader.take(
      sse('message_start', { type: 'message_start', message: { usage: { input_tokens: 12, output_tokens: 0 } } }),
    );
    expect(reader.usage.prompt).toBe(12);
    reader.take(sse('content_block_delta', { type: 'content_block_delta', delta: { type: 'text_delta', text: 'x' } }));
    reader.take(sse('message_delta', { type: 'message_delta', usage: { input_tokens: 10, output_tokens: 5 } }));
    expect(reader.usage).toEqual({ prompt: 10, completion: 5 });
    expect(reader.chunks).toBe(1);
    reader.take(sse('message_stop', { type: 'message_stop' }));
    expect(reader.finished).toBe(true);
  });
  it('notes an upstream error event and refuses a non-JSON payload', () => {
    const reader = new MessagesStreamReader(ctx());
    reader.take(sse('error', { type: 'error', error: { type: 'overloaded_error', message: 'busy' } }));
    expect(reader.upstreamError).toBe('busy');
    expect(() => new MessagesStreamReader(ctx()).take('event: ping\ndata: {nope')).toThrow(/malformed/);
  });
});

describe('native NDJSON reader', () => {
  it('counts lines, takes the counts of the done line, and notes an error line', () => {
    const reader = new NdjsonStreamReader(ctx());
    expect(reader.take('{"message":{"content":"a"},"done":false}')).toBe('{"message":{"content":"a"},"done":false}\n');
    reader.take('{"done":true,"prompt_eval_count":4,"eval_count":1}');
    expect(reader).toMatchObject({ chunks: 1, finished: true, usage: { prompt: 4, completion: 1 } });
    const failing = new NdjsonStreamReader(ctx());
    failing.take('{"error":"llama runner process has terminated"}');
    expect(failing.upstreamError).toContain('llama runner');
    expect(() => failing.take('[1,2]')).toThrow(/malformed/);
  });
});

describe('error tables', () => {
  it("maps gateway codes to Anthropic's types and statuses", () => {
    const rendered = (code: ConstructorParameters<typeof GatewayError>[0]) =>
      anthropicError(new GatewayError(code, 'm'));
    expect(rendered('missing_api_key')).toMatchObject({
      status: 401,
      body: { type: 'error', error: { type: 'authentication_error', message: 'm' } },
    });
    expect(rendered('upstream_unavailable')).toMatchObject({
      status: 529,
      body: { error: { type: 'overloaded_error' } },
    });
    expect(rendered('rate_limit_tokens')).toMatchObject({ status: 429, body: { error: { type: 'rate_limit_error' } } });
    expect(rendered('request_too_large').body).toMatchObject({ error: { type: 'request_too_large' } });
  });
  it("answers Ollama's {error} shape and NDJSON error line", () => {
    const error = new GatewayError('model_not_found', 'no such model');
    expect(ollamaProtocol.renderError(error)).toMatchObject({ status: 404, body: { error: 'no such model' } });
    expect(ollamaProtocol.streamError(error)).toBe('{"error":"no such model"}\n');
  });
});
