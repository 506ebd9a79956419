// Timeouts that fit how Ollama answers (issue 12, part 2), with scaled-down settings against the strict test
// upstream: a non-streaming answer sends nothing until it is whole, a streamed tool call is silent until complete,
// yet a wedged or dead Ollama is still caught (stream first byte, stalled body, reset socket, refused connect).
// The defaults themselves are checked against the README's timeouts table in gateway/src/config.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { parseSse } from '../fixtures/ollama-upstream/test-utils.js';

// undici's timers are coarse (~0.5 s): every silence below is well above the timeout it must (not) trip.
const SCALED = {
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: 300,
  UPSTREAM_IDLE_TIMEOUT_MS: 300,
  UPSTREAM_RESPONSE_TIMEOUT_MS: 20_000,
  UPSTREAM_TOOL_TIMEOUT_MS: 20_000,
};
const SILENCE_MS = 1_500;

describe('upstream timeouts (scaled down)', () => {
  let h: Harness;
  let key: string;
  const messages = [{ role: 'user', content: 'Tell me a story' }];
  const weather = [{ role: 'user', content: 'What is the weather in Paris?' }];
  const tools = [{ type: 'function', function: { name: 'get_current_weather', parameters: { type: 'object' } } }];
  const post = (body: unknown, url = h.url) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2:1b', ...(body as object) }),
    });

  beforeAll(async () => {
    h = await startHarness({ kind: 'embedded', env: SCALED });
    key = (await h.createKey({ rpm: 10_000 })).key;
  });
  afterEach(() => h.upstream.resetAll());
  afterAll(() => h.close());

  it('a non-streaming answer that takes longer than the stream first-byte timeout to generate succeeds', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 10, chunkDelayMs: SILENCE_MS / 10 };
    const response = await post({ messages });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(10);
  });

  it('a non-streaming answer after a model load succeeds', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, modelLoadDelayMs: SILENCE_MS };
    const response = await post({ messages });
    expect(response.status).toBe(200);
  });

  it('a streamed tool call after minutes (scaled) of silence is not cut by the first-byte or idle timeout', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, toolCallDelayMs: SILENCE_MS };
    const response = await post({ messages: weather, tools, stream: true });
    expect(response.status).toBe(200);
    const { events, done } = parseSse(await response.text());
    expect(done).toBe(true);
    expect(events[0]!.choices[0].delta.tool_calls[0].function.name).toBe('get_current_weather');
    expect(events.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
  });

  it('a stream that sends no first token in time is still a 504 naming the setting to raise', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, modelLoadDelayMs: SILENCE_MS };
    const response = await post({ messages, stream: true });
    expect(response.status).toBe(504);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_timeout');
    expect(body.error.message).toContain('UPSTREAM_FIRST_BYTE_TIMEOUT_MS');
  });

  it('a non-streaming answer whose body stalls after the headers is still a 504 within the idle timeout', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'stall-mid-stream', failCount: 1 };
    const response = await post({ messages });
    expect(response.status).toBe(504);
  });

  it('a closed socket is a 502 at once, whatever the long non-stream timeout', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'reset', failCount: 1 };
    const response = await post({ messages });
    expect(response.status).toBe(502);
  });

  it('a non-streaming answer longer than UPSTREAM_RESPONSE_TIMEOUT_MS is a 504 naming that setting', async () => {
    const strict = await h.addGateway({ UPSTREAM_RESPONSE_TIMEOUT_MS: 300 });
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 10, chunkDelayMs: SILENCE_MS / 10 };
    const response = await post({ messages }, strict.url);
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'UPSTREAM_RESPONSE_TIMEOUT_MS',
    );
  });

  it('a wedged Ollama (not even its health check answers) fails a waiting non-stream request in seconds, not at the timeout', async () => {
    const watched = await h.addGateway({ UPSTREAM_HEALTH_INTERVAL_MS: 200, UPSTREAM_RESPONSE_TIMEOUT_MS: 600_000 });
    expect((await post({ messages }, watched.url)).status).toBe(200); // the model list is known before the wedge
    h.upstream.behaviour = { ...h.upstream.behaviour, injectOn: 'all', firstByteDelayMs: 600_000 };
    const response = await post({ messages }, watched.url);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_unavailable');
    expect(body.error.message).toContain('health check');
  });

  it('an Ollama that refuses connections is still found at once (503)', async () => {
    const dead = await h.addGateway({ OLLAMA_URLS: 'http://127.0.0.1:9' });
    const response = await post({ messages }, dead.url);
    expect(response.status).toBe(503);
  });
});
