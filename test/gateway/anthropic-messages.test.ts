// POST /v1/messages through the gateway (real HTTP, both store backends): Ollama's message and named-event stream
// relayed, usage rows from message_start/message_delta, keys as x-api-key or Bearer, every error in Anthropic's
// envelope and status, count_tokens, the TPM reserve bound by max_tokens, and an aborted stream.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';
import Anthropic from '@anthropic-ai/sdk';
import { postJson, sseEvents, waitFor } from '../support/http.js';

describe.each(BACKENDS)('/v1/messages (%s)', (kind) => {
  let h: Harness;
  let key: string;
  let model: string;
  const body = (extra: Record<string, unknown> = {}) => ({
    model,
    max_tokens: 64,
    messages: [{ role: 'user', content: 'Say hello' }],
    ...extra,
  });
  const send = (
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = { 'x-api-key': key },
    signal?: AbortSignal,
  ) => postJson(`${h.url}/v1/messages`, body(extra), { 'anthropic-version': '2023-06-01', ...headers }, signal);
  const rowsFor = async (endpoint: string) => (await h.usageRows()).filter((row) => row.endpoint === endpoint);

  beforeAll(async () => {
    h = await startHarness({ kind, env: { MAX_BODY_BYTES: 8192, UPSTREAM_IDLE_TIMEOUT_MS: 500 } });
    key = (await h.createKey({ rpm: 10_000 })).key;
    model = h.upstream.models[0]!.name;
  });
  afterEach(() => h.upstream.resetAll());
  afterAll(() => h.close());

  it('relays the message with x-api-key and records its usage', async () => {
    const before = (await rowsFor('/v1/messages')).length;
    const response = await send();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('10000');
    const message = (await response.json()) as {
      type: string;
      role: string;
      content: Array<{ type: string; text: string }>;
      usage: { input_tokens: number; output_tokens: number };
    };
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.content[0]!.type).toBe('text');
    expect(message.content[0]!.text.length).toBeGreaterThan(0);
    const rows = await rowsFor('/v1/messages');
    expect(rows.length).toBe(before + 1);
    const row = rows.at(-1)!;
    expect(row.outcome).toBe('ok');
    expect(Number(row.prompt_tokens)).toBe(message.usage.input_tokens);
    expect(Number(row.completion_tokens)).toBe(message.usage.output_tokens);
  });

  it('accepts the same key as Authorization: Bearer', async () => {
    expect((await send({}, { authorization: `Bearer ${key}` })).status).toBe(200);
  });

  it('streams the named events as they arrive and records usage from message_start and message_delta', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 6 };
    const response = await send({ stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(await response.text());
    expect(events[0]!.event).toBe('message_start');
    expect(events.at(-1)!.event).toBe('message_stop');
    expect(events.filter((e) => e.event === 'content_block_delta').length).toBe(6);
    const delta = events.find((e) => e.event === 'message_delta')!.data as {
      usage: { input_tokens: number; output_tokens: number };
    };
    const row = (await rowsFor('/v1/messages')).at(-1)!;
    expect(row.outcome).toBe('ok');
    expect(Number(row.completion_tokens)).toBe(delta.usage.output_tokens);
    expect(Number(row.prompt_tokens)).toBe(delta.usage.input_tokens);
  });

  it('aborts the upstream when the client leaves mid-stream and records the partial usage', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 200, chunkDelayMs: 20 };
    const controller = new AbortController();
    const response = await send({ stream: true }, { 'x-api-key': key }, controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    controller.abort();
    await waitFor(() => h.upstream.stats.aborted === 1);
    await waitFor(async () => (await rowsFor('/v1/messages')).some((row) => row.outcome === 'aborted'));
    const row = (await rowsFor('/v1/messages')).find((r) => r.outcome === 'aborted')!;
    // input_tokens came in message_start; the output is the content events seen before the abort.
    expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
    expect(Number(row.completion_tokens)).toBeGreaterThan(0);
    expect(Number(row.completion_tokens)).toBeLessThan(200);
  });

  it('ends a malformed upstream stream with an Anthropic error event', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'malformed-json', failCount: 1 };
    const events = sseEvents(await (await send({ stream: true })).text());
    const last = events.at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('makes the Anthropic SDK throw its APIError when the stream breaks', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'malformed-json', failCount: 1 };
    const client = new Anthropic({ apiKey: key, baseURL: h.url, maxRetries: 0 });
    const consume = async () => {
      const stream = await client.messages.create({
        model,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      for await (const _event of stream) {
        // drain
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(Anthropic.APIError);
  });

  it('ends a stalled stream with an Anthropic timeout error event', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'stall-mid-stream', failCount: 1 };
    const last = sseEvents(await (await send({ stream: true })).text()).at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data.error.type).toBe('timeout_error');
  });

  it("answers every gateway error in Anthropic's envelope and status", async () => {
    const expectError = async (response: Response, status: number, type: string) => {
      expect(response.status).toBe(status);
      const error = (await response.json()) as { type: string; error: { type: string; message: string } };
      expect(error.type).toBe('error');
      expect(error.error.type).toBe(type);
      expect(error.error.message.length).toBeGreaterThan(0);
      return response;
    };
    await expectError(await send({}, {}), 401, 'authentication_error');
    await expectError(await send({}, { 'x-api-key': `llmgw_${'0'.repeat(64)}` }), 401, 'authentication_error');
    const narrow = (await h.createKey({ models: ['nomic-embed-text'] })).key;
    await expectError(await send({}, { 'x-api-key': narrow }), 403, 'permission_error');
    await expectError(await send({ model: 'ghost-model:1b' }), 404, 'not_found_error');
    await expectError(
      await send({ messages: [{ role: 'user', content: 'x'.repeat(9000) }] }),
      413,
      'request_too_large',
    );
    await expectError(await send({ max_tokens: 'lots' }), 400, 'invalid_request_error');
    const limited = (await h.createKey({ rpm: 1 })).key;
    expect((await send({}, { 'x-api-key': limited })).status).toBe(200);
    const limitedAnswer = await expectError(await send({}, { 'x-api-key': limited }), 429, 'rate_limit_error');
    expect(Number(limitedAnswer.headers.get('retry-after'))).toBeGreaterThan(0);
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'http503', failCount: 1 };
    await expectError(await send(), 529, 'overloaded_error');
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'http500', failCount: 1 };
    await expectError(await send(), 502, 'api_error');
    await expectError(await postJson(`${h.url}/v1/messages/nope`, {}, { 'x-api-key': key }), 404, 'not_found_error');
  });

  it("reserves max_tokens against the key's TPM before relaying", async () => {
    const small = (await h.createKey({ tpm: 500, rpm: 100 })).key;
    // An empty window admits anything (one request may exceed the TPM); the bound shows once tokens are in it.
    expect((await send({ max_tokens: 20 }, { 'x-api-key': small })).status).toBe(200);
    const before = h.upstream.stats.requests['POST /v1/messages'] ?? 0;
    const refused = await send({ max_tokens: 5000 }, { 'x-api-key': small });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
    expect(h.upstream.stats.requests['POST /v1/messages'] ?? 0).toBe(before);
    expect((await send({ max_tokens: 20 }, { 'x-api-key': small })).status).toBe(200);
  });

  it('answers count_tokens with an estimate after the key and allow-list checks', async () => {
    const response = await postJson(
      `${h.url}/v1/messages/count_tokens`,
      { model, messages: [{ role: 'user', content: 'Hello there, how are you?' }] },
      { 'x-api-key': key },
    );
    expect(response.status).toBe(200);
    const counted = (await response.json()) as { input_tokens: number };
    expect(Number.isInteger(counted.input_tokens)).toBe(true);
    expect(counted.input_tokens).toBeGreaterThan(0);
    const longer = (await (
      await postJson(
        `${h.url}/v1/messages/count_tokens`,
        { model, messages: [{ role: 'user', content: 'word '.repeat(400) }] },
        { 'x-api-key': key },
      )
    ).json()) as { input_tokens: number };
    expect(longer.input_tokens).toBeGreaterThan(counted.input_tokens);
    expect((await postJson(`${h.url}/v1/messages/count_tokens`, { model, messages: [] }, {})).status).toBe(401);
    expect(
      (
        await postJson(
          `${h.url}/v1/messages/count_tokens`,
          { model: 'ghost:1b', messages: [{ role: 'user', content: 'x' }] },
          { 'x-api-key': key },
        )
      ).status,
    ).toBe(404);
  });

  it('answers a browser preflight for Anthropic headers without a key', async () => {
    const response = await fetch(`${h.url}/v1/messages`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-api-key, anthropic-version, content-type',
      },
    });
    expect(response.status).toBe(204);
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of [
      'x-api-key',
      'anthropic-version',
      'anthropic-beta',
      'anthropic-dangerous-direct-browser-access',
    ]) {
      expect(allowed).toContain(header);
    }
  });
});
