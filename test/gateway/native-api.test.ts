// Ollama's native API through the gateway (real HTTP, both store backends): the probes (`/`, /api/version),
// /api/chat|generate NDJSON streams by default with usage rows from the final done:true line, /api/embed,
// Ollama-shaped errors, allow-list filtered listings (/api/tags, /api/ps, /v1/models) and /api/show, the TPM
// reserve bound by options.num_predict, and model management open only to the admin token.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';
import { ndjson, postJson, waitFor } from '../support/http.js';

describe.each(BACKENDS)('native /api (%s)', (kind) => {
  let h: Harness;
  let key: string;
  let model: string;
  const auth = () => ({ authorization: `Bearer ${key}` });
  const chat = (extra: Record<string, unknown> = {}, headers: Record<string, string> = auth(), signal?: AbortSignal) =>
    postJson(
      `${h.url}/api/chat`,
      { model, messages: [{ role: 'user', content: 'Say hello' }], ...extra },
      headers,
      signal,
    );
  const rowsFor = async (endpoint: string) => (await h.usageRows()).filter((row) => row.endpoint === endpoint);

  beforeAll(async () => {
    h = await startHarness({ kind, env: { MAX_BODY_BYTES: 8192, UPSTREAM_IDLE_TIMEOUT_MS: 500 } });
    key = (await h.createKey({ rpm: 10_000 })).key;
    model = h.upstream.models[0]!.name;
  });
  afterEach(() => h.upstream.resetAll());
  afterAll(() => h.close());

  it('answers the Ollama probes without a key or an upstream call', async () => {
    const before = h.upstream.stats.totalRequests;
    const root = await fetch(`${h.url}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toBe('Ollama is running');
    expect((await fetch(`${h.url}/`, { method: 'HEAD' })).status).toBe(200);
    expect(h.upstream.stats.totalRequests).toBe(before);
    const version = (await (await fetch(`${h.url}/api/version`)).json()) as { version: string };
    expect(version.version).toBe(h.upstream.behaviour.version);
  });

  it('streams /api/chat as NDJSON by default and records usage from the done line', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 4 };
    const response = await chat();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const lines = ndjson(await response.text());
    expect(lines.filter((line) => line.done === false).length).toBe(4);
    const done = lines.at(-1)!;
    expect(done.done).toBe(true);
    const row = (await rowsFor('/api/chat')).at(-1)!;
    expect(row.outcome).toBe('ok');
    expect(Number(row.prompt_tokens)).toBe(done.prompt_eval_count);
    expect(Number(row.completion_tokens)).toBe(done.eval_count);
  });

  it('answers stream:false with one object and its counts', async () => {
    const response = await chat({ stream: false });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await response.json()) as {
      done: boolean;
      message: { content: string };
      prompt_eval_count: number;
      eval_count: number;
    };
    expect(answer.done).toBe(true);
    expect(answer.message.content.length).toBeGreaterThan(0);
    const row = (await rowsFor('/api/chat')).at(-1)!;
    expect(Number(row.prompt_tokens)).toBe(answer.prompt_eval_count);
    expect(Number(row.completion_tokens)).toBe(answer.eval_count);
  });

  it('relays /api/generate and /api/embed with their usage', async () => {
    const generated = ndjson(
      await (await postJson(`${h.url}/api/generate`, { model, prompt: 'Why is the sky blue?' }, auth())).text(),
    );
    expect(generated.at(-1)!.done).toBe(true);
    expect(Number((await rowsFor('/api/generate')).at(-1)!.completion_tokens)).toBe(generated.at(-1)!.eval_count);
    const embedModel = h.upstream.models.find((m) => m.name.includes('embed'))!.name;
    const embedded = (await (
      await postJson(`${h.url}/api/embed`, { model: embedModel, input: ['a', 'b'] }, auth())
    ).json()) as { embeddings: number[][]; prompt_eval_count: number };
    expect(embedded.embeddings.length).toBe(2);
    const row = (await rowsFor('/api/embed')).at(-1)!;
    expect(Number(row.prompt_tokens)).toBe(embedded.prompt_eval_count);
    expect(Number(row.completion_tokens)).toBe(0);
  });

  it('answers /api/generate stream:false whole and charges the legacy /api/embeddings its estimate', async () => {
    const whole = await postJson(`${h.url}/api/generate`, { model, prompt: 'Hi', stream: false }, auth());
    expect(whole.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await whole.json()) as { response: string; done: boolean; eval_count: number };
    expect(answer.done).toBe(true);
    expect(answer.response.length).toBeGreaterThan(0);
    expect(Number((await rowsFor('/api/generate')).at(-1)!.completion_tokens)).toBe(answer.eval_count);
    const embedModel = h.upstream.models.find((m) => m.name.includes('embed'))!.name;
    const legacy = (await (
      await postJson(`${h.url}/api/embeddings`, { model: embedModel, prompt: 'some text to embed' }, auth())
    ).json()) as { embedding: number[] };
    expect(legacy.embedding.length).toBeGreaterThan(0);
    // Ollama reports no counts here: the row carries the prompt estimate (bytes / 4), never 0.
    const row = (await rowsFor('/api/embeddings')).at(-1)!;
    expect(row.outcome).toBe('ok');
    expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
  });

  it('aborts the upstream when the client leaves and records the estimate', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 200, chunkDelayMs: 20 };
    const controller = new AbortController();
    const response = await chat({}, auth(), controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    controller.abort();
    await waitFor(() => h.upstream.stats.aborted === 1);
    await waitFor(async () => (await rowsFor('/api/chat')).some((row) => row.outcome === 'aborted'));
    const row = (await rowsFor('/api/chat')).find((r) => r.outcome === 'aborted')!;
    expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
    expect(Number(row.completion_tokens)).toBeGreaterThan(0);
    expect(Number(row.completion_tokens)).toBeLessThan(200);
  });

  it('ends a broken NDJSON stream with an {"error"} line', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'malformed-json', failCount: 1 };
    const last = ndjson(await (await chat()).text()).at(-1)!;
    expect(typeof last.error).toBe('string');
    expect(last.error).toContain('malformed');
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'stall-mid-stream', failCount: 1 };
    const stalled = ndjson(await (await chat()).text()).at(-1)!;
    expect(stalled.error).toContain('stalled');
  });

  it('forwards Ollama\'s own mid-stream {"error"} line as the last one and records the request as failed', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 6, failWith: 'error-mid-stream', failCount: 1 };
    const lines = ndjson(await (await chat()).text());
    expect(lines.at(-1)).toEqual({ error: expect.stringContaining('llama runner') });
    expect(lines.filter((line) => line.error !== undefined)).toHaveLength(1);
    const row = (await rowsFor('/api/chat')).at(-1)!;
    expect(row.outcome).toBe('error');
    expect(Number(row.completion_tokens)).toBe(2);
  });

  it('answers errors as {"error": "..."} with the right status', async () => {
    const expectError = async (response: Response, status: number) => {
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: unknown };
      expect(typeof body.error).toBe('string');
      return response;
    };
    await expectError(await chat({}, {}), 401);
    const narrow = (await h.createKey({ models: ['nomic-embed-text'] })).key;
    await expectError(await chat({}, { authorization: `Bearer ${narrow}` }), 403);
    await expectError(await chat({ model: 'ghost:1b' }), 404);
    await expectError(await chat({ messages: [{ role: 'user', content: 'x'.repeat(9000) }] }), 413);
    await expectError(await postJson(`${h.url}/api/chat`, { messages: [] }, auth()), 400);
    await expectError(await fetch(`${h.url}/api/nope`, { headers: auth() }), 404);
    const limited = (await h.createKey({ rpm: 1 })).key;
    await (await chat({ stream: false }, { 'x-api-key': limited })).text();
    const refused = await expectError(await chat({}, { 'x-api-key': limited }), 429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'http503', failCount: 1 };
    await expectError(await chat(), 503);
  });

  it("reserves options.num_predict against the key's TPM", async () => {
    const small = { authorization: `Bearer ${(await h.createKey({ tpm: 500, rpm: 100 })).key}` };
    expect((await chat({ stream: false, options: { num_predict: 20 } }, small)).status).toBe(200);
    const refused = await chat({ options: { num_predict: 5000 } }, small);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toContain('tokens');
    expect((await chat({ stream: false, options: { num_predict: 20 } }, small)).status).toBe(200);
  });

  it("lists only the key's allowed models on /api/tags, /api/ps and /v1/models, and checks /api/show", async () => {
    const other = h.upstream.models[1]!.name;
    const narrow = { authorization: `Bearer ${(await h.createKey({ models: [model] })).key}` };
    const tags = (await (await fetch(`${h.url}/api/tags`, { headers: narrow })).json()) as {
      models: Array<{ name: string; details: unknown }>;
    };
    expect(tags.models.map((m) => m.name)).toEqual([model]);
    expect(tags.models[0]!.details).toMatchObject({ format: 'gguf' });
    const all = (await (await fetch(`${h.url}/api/tags`, { headers: auth() })).json()) as { models: unknown[] };
    expect(all.models.length).toBe(h.upstream.models.length);
    const openai = (await (await fetch(`${h.url}/v1/models`, { headers: narrow })).json()) as {
      data: Array<{ id: string }>;
    };
    expect(openai.data.map((m) => m.id)).toEqual([model]);
    // Load both models, then /api/ps shows only the allowed one.
    await (await chat({ stream: false })).text();
    await (await chat({ stream: false, model: other })).text();
    const ps = (await (await fetch(`${h.url}/api/ps`, { headers: narrow })).json()) as {
      models: Array<{ name: string }>;
    };
    expect(ps.models.map((m) => m.name)).toEqual([model]);
    expect((await fetch(`${h.url}/api/tags`)).status).toBe(401);
    const shown = await postJson(`${h.url}/api/show`, { model }, narrow);
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as { details: unknown }).details).toBeDefined();
    const hidden = await postJson(`${h.url}/api/show`, { model: other }, narrow);
    expect(hidden.status).toBe(403);
    expect(((await hidden.json()) as { error: string }).error).toContain(other);
  });

  it('opens model management to the admin token only', async () => {
    const before = h.upstream.stats.requests['POST /api/pull'] ?? 0;
    const refused = await postJson(`${h.url}/api/pull`, { model: 'llama3.2:3b' }, auth());
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toMatch(/admin token/);
    expect((await postJson(`${h.url}/api/pull`, { model: 'llama3.2:3b' }, {})).status).toBe(401);
    expect(
      (await fetch(`${h.url}/api/delete`, { method: 'DELETE', headers: auth(), body: JSON.stringify({ model }) }))
        .status,
    ).toBe(403);
    for (const path of ['/api/push', '/api/create', '/api/copy', '/api/blobs/sha256:abc']) {
      expect((await postJson(`${h.url}${path}`, { model }, auth())).status).toBe(403);
    }
    expect(h.upstream.stats.requests['POST /api/pull'] ?? 0).toBe(before);

    const admin = { authorization: `Bearer ${h.adminToken}` };
    const pulled = await postJson(`${h.url}/api/pull`, { model: 'llama3.2:3b' }, admin);
    expect(pulled.status).toBe(200);
    expect(pulled.headers.get('content-type')).toBe('application/x-ndjson');
    const progress = ndjson(await pulled.text());
    expect(progress[0]).toEqual({ status: 'pulling manifest' });
    expect(progress.at(-1)).toEqual({ status: 'success' });
    await waitFor(async () => {
      const listed = (await (await fetch(`${h.url}/api/tags`, { headers: auth() })).json()) as {
        models: Array<{ name: string }>;
      };
      return listed.models.some((m) => m.name === 'llama3.2:3b');
    });
    const deleted = await fetch(`${h.url}/api/delete`, {
      method: 'DELETE',
      headers: admin,
      body: JSON.stringify({ model: 'llama3.2:3b' }),
    });
    expect(deleted.status).toBe(200);
    const missing = await fetch(`${h.url}/api/delete`, {
      method: 'DELETE',
      headers: admin,
      body: JSON.stringify({ model: 'llama3.2:3b' }),
    });
    expect(missing.status).toBe(404);
    // Blob checks are relayed to Ollama as they are (the test upstream has no blob store: its 404 comes back).
    const digest = `sha256:${'a'.repeat(64)}`;
    const blob = await fetch(`${h.url}/api/blobs/${digest}`, { method: 'HEAD', headers: admin });
    expect(blob.status).toBe(404);
    expect(h.upstream.stats.requests[`HEAD /api/blobs/${digest}`]).toBe(1);
    expect((await fetch(`${h.url}/api/blobs/not-a-digest`, { method: 'HEAD', headers: admin })).status).toBe(400);
  });
});
