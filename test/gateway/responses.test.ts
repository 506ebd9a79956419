// POST /v1/responses through the gateway (real HTTP, both store backends): Ollama's Responses object and its
// named-event stream relayed, usage rows from `usage` / response.completed, OpenAI error envelopes, the stream's
// terminal error event, the TPM reserve bound by max_output_tokens, and an aborted stream.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';
import OpenAI from 'openai';
import { postJson, sseEvents, waitFor } from '../support/http.js';

describe.each(BACKENDS)('/v1/responses (%s)', (kind) => {
  let h: Harness;
  let key: string;
  let model: string;
  const send = (extra: Record<string, unknown> = {}, headers?: Record<string, string>, signal?: AbortSignal) =>
    postJson(
      `${h.url}/v1/responses`,
      { model, input: 'Say hello', ...extra },
      headers ?? { authorization: `Bearer ${key}` },
      signal,
    );
  const rows = async () => (await h.usageRows()).filter((row) => row.endpoint === '/v1/responses');

  beforeAll(async () => {
    h = await startHarness({ kind, env: { MAX_BODY_BYTES: 8192, UPSTREAM_IDLE_TIMEOUT_MS: 500 } });
    key = (await h.createKey({ rpm: 10_000 })).key;
    model = h.upstream.models[0]!.name;
  });
  afterEach(() => h.upstream.resetAll());
  afterAll(() => h.close());

  it('relays the response object and records its usage', async () => {
    const response = await send();
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      object: string;
      status: string;
      output: unknown[];
      usage: { input_tokens: number; output_tokens: number };
    };
    expect(answer.object).toBe('response');
    expect(answer.status).toBe('completed');
    expect(answer.output.length).toBeGreaterThan(0);
    const row = (await rows()).at(-1)!;
    expect(row.outcome).toBe('ok');
    expect(Number(row.prompt_tokens)).toBe(answer.usage.input_tokens);
    expect(Number(row.completion_tokens)).toBe(answer.usage.output_tokens);
  });

  it('accepts the key as x-api-key too', async () => {
    expect((await send({}, { 'x-api-key': key })).status).toBe(200);
  });

  it('streams the events unchanged and records usage from response.completed', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 5 };
    const response = await send({ stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(await response.text());
    expect(events[0]!.event).toBe('response.created');
    const completed = events.at(-1)!;
    expect(completed.event).toBe('response.completed');
    expect(events.filter((e) => e.event === 'response.output_text.delta').length).toBe(5);
    const usage = completed.data.response.usage as { input_tokens: number; output_tokens: number };
    const row = (await rows()).at(-1)!;
    expect(row.outcome).toBe('ok');
    expect(Number(row.prompt_tokens)).toBe(usage.input_tokens);
    expect(Number(row.completion_tokens)).toBe(usage.output_tokens);
  });

  it('aborts the upstream when the client leaves and records the estimate', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 200, chunkDelayMs: 20 };
    const controller = new AbortController();
    const response = await send({ stream: true }, undefined, controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    controller.abort();
    await waitFor(() => h.upstream.stats.aborted === 1);
    await waitFor(async () => (await rows()).some((row) => row.outcome === 'aborted'));
    const row = (await rows()).find((r) => r.outcome === 'aborted')!;
    expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
    expect(Number(row.completion_tokens)).toBeGreaterThan(0);
    expect(Number(row.completion_tokens)).toBeLessThan(200);
  });

  it('ends a malformed stream with an error event the openai SDK raises as an APIError', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'malformed-json', failCount: 1 };
    const last = sseEvents(await (await send({ stream: true })).text()).at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data).toMatchObject({
      type: 'error',
      code: 'upstream_error',
      error: { type: 'api_error', code: 'upstream_error' },
    });
  });

  it('makes the openai SDK throw an APIError when the stream breaks', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'malformed-json', failCount: 1 };
    const client = new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const consume = async () => {
      for await (const _event of await client.responses.create({ model, input: 'hi', stream: true })) {
        // drain
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it('ends a stream cut before response.completed with an error event', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'stall-mid-stream', failCount: 1 };
    const last = sseEvents(await (await send({ stream: true })).text()).at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data.code).toBe('upstream_timeout');
  });

  it('answers errors in the OpenAI envelope', async () => {
    const expectError = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      return response;
    };
    await expectError(await send({}, {}), 401, 'invalid_api_key');
    const narrow = (await h.createKey({ models: ['nomic-embed-text'] })).key;
    await expectError(await send({}, { authorization: `Bearer ${narrow}` }), 403, 'model_not_allowed');
    await expectError(await send({ model: 'ghost:1b' }), 404, 'model_not_found');
    await expectError(await send({ input: 'x'.repeat(9000) }), 413, 'request_too_large');
    const limited = (await h.createKey({ rpm: 1 })).key;
    await send({}, { authorization: `Bearer ${limited}` });
    const refused = await expectError(
      await send({}, { authorization: `Bearer ${limited}` }),
      429,
      'rate_limit_exceeded',
    );
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'http503', failCount: 1 };
    await expectError(await send(), 503, 'upstream_unavailable');
  });

  it("reserves max_output_tokens against the key's TPM", async () => {
    const small = (await h.createKey({ tpm: 500, rpm: 100 })).key;
    const auth = { authorization: `Bearer ${small}` };
    expect((await send({ max_output_tokens: 20 }, auth)).status).toBe(200);
    const refused = await send({ max_output_tokens: 5000 }, auth);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('tokens');
    expect((await send({ max_output_tokens: 20 }, auth)).status).toBe(200);
  });
});
