// Requests and usage as Ollama understands them (issue 12, part 3), against the strict test upstream:
// max_completion_tokens reaches Ollama as max_tokens, only the final usage chunk counts (a cut stream falls back to
// the estimate, never 0), names resolve as Ollama resolves them, /v1/models reports the usable context, and token
// arrays are refused before admission.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';
import { parseSse } from '../fixtures/ollama-upstream/test-utils.js';

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(BACKENDS)('requests and usage as Ollama understands them (%s)', (kind) => {
  let h: Harness;
  let key: string;
  const post = (path: string, body: unknown, apiKey = key, signal?: AbortSignal) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  const messages = [{ role: 'user', content: 'Tell me a story' }];
  const lastUpstreamBody = (path: string) =>
    h.upstream.stats.lastBodies.filter((b) => b.path === path).at(-1)?.body as Record<string, unknown>;
  const rowFor = async (requestId: string) => (await h.usageRows()).find((row) => row.request_id === requestId);

  beforeAll(async () => {
    h = await startHarness({ kind });
    key = (await h.createKey({ rpm: 10_000 })).key;
  });
  afterEach(() => h.upstream.resetAll());
  afterAll(() => h.close());

  describe('max_completion_tokens', () => {
    it('reaches Ollama as max_tokens, so generation stops at the bound the client asked for', async () => {
      const response = await post('/v1/chat/completions', { model: 'llama3.2:1b', messages, max_completion_tokens: 2 });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        choices: Array<{ finish_reason: string }>;
        usage: { completion_tokens: number };
      };
      expect(body.choices[0]!.finish_reason).toBe('length');
      expect(body.usage.completion_tokens).toBe(2);
      const sent = lastUpstreamBody('/v1/chat/completions');
      expect(sent.max_tokens).toBe(2);
      expect(sent).not.toHaveProperty('max_completion_tokens');
    });

    it("the client's own max_tokens wins when both are sent (streams too)", async () => {
      const response = await post('/v1/chat/completions', {
        model: 'llama3.2:1b',
        messages,
        max_tokens: 3,
        max_completion_tokens: 1,
        stream: true,
      });
      const { events } = parseSse(await response.text());
      expect(events.filter((e) => e.choices[0]?.delta?.content).length).toBe(3);
      expect(lastUpstreamBody('/v1/chat/completions').max_tokens).toBe(3);
    });
  });

  describe('streaming usage', () => {
    it('completions with include_usage: the zero usage on every chunk is not the count, the final chunk is', async () => {
      const response = await post('/v1/completions', {
        model: 'llama3.2:1b',
        prompt: 'Once upon a time',
        stream: true,
        stream_options: { include_usage: true },
      });
      const { events } = parseSse(await response.text());
      const final = events.at(-1)!;
      expect(final.choices).toEqual([]);
      const row = await rowFor(response.headers.get('x-request-id')!);
      expect(row).toMatchObject({ outcome: 'ok' });
      expect(Number(row!.prompt_tokens)).toBe(final.usage.prompt_tokens);
      expect(Number(row!.completion_tokens)).toBe(final.usage.completion_tokens);
    });

    it.each(['/v1/completions', '/v1/chat/completions'])(
      '%s: a stream the client aborts records the estimate, never 0 tokens',
      async (path) => {
        h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 200, chunkDelayMs: 20 };
        const controller = new AbortController();
        const body = path === '/v1/completions' ? { prompt: 'Once upon a time, far away' } : { messages };
        const response = await post(
          path,
          { model: 'llama3.2:1b', ...body, stream: true, stream_options: { include_usage: true } },
          key,
          controller.signal,
        );
        const reader = response.body!.getReader();
        await reader.read();
        await reader.read();
        controller.abort();
        const id = response.headers.get('x-request-id')!;
        await waitFor(async () => (await rowFor(id)) !== undefined);
        const row = (await rowFor(id))!;
        expect(row.outcome).toBe('aborted');
        expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
        expect(Number(row.completion_tokens)).toBeGreaterThan(0);
      },
    );

    it.each(['/v1/completions', '/v1/chat/completions'])(
      '%s: a stream Ollama breaks off (empty chunk, no [DONE]) ends with an error event and records the estimate',
      async (path) => {
        h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'error-mid-stream', failCount: 1 };
        const body = path === '/v1/completions' ? { prompt: 'Once upon a time, far away' } : { messages };
        const response = await post(path, {
          model: 'llama3.2:1b',
          ...body,
          stream: true,
          stream_options: { include_usage: true },
        });
        const { events, done } = parseSse(await response.text());
        expect(done).toBe(false);
        expect(events.at(-1)).toMatchObject({ error: { code: 'upstream_error' } });
        const row = (await rowFor(response.headers.get('x-request-id')!))!;
        expect(row.outcome).toBe('error');
        expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
        expect(Number(row.completion_tokens)).toBeGreaterThan(0);
      },
    );
  });

  describe('model names', () => {
    it.each(['LLaMA3.2:1B', 'registry.ollama.ai/library/llama3.2:1b', 'library/Llama3.2:1b'])(
      'resolves %s as Ollama does and answers with the listed name',
      async (name) => {
        const response = await post('/v1/chat/completions', { model: name, messages });
        expect(response.status).toBe(200);
        expect(((await response.json()) as { model: string }).model).toBe('llama3.2:1b');
        const row = (await rowFor(response.headers.get('x-request-id')!))!;
        expect(row.model).toBe('llama3.2:1b');
        const retrieved = await fetch(`${h.url}/v1/models/${encodeURIComponent(name)}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        expect(((await retrieved.json()) as { id: string }).id).toBe('llama3.2:1b');
      },
    );

    it('a missing :latest is implied, and key allow-lists match the same way', async () => {
      const limited = (await h.createKey({ models: ['Nomic-Embed-Text', 'registry.ollama.ai/library/LLAMA3.2:1b'] }))
        .key;
      expect((await post('/v1/embeddings', { model: 'nomic-embed-text:latest', input: 'hi' }, limited)).status).toBe(
        200,
      );
      expect((await post('/v1/chat/completions', { model: 'llama3.2:1b', messages }, limited)).status).toBe(200);
      expect((await post('/v1/chat/completions', { model: 'qwen2.5:0.5b', messages }, limited)).status).toBe(403);
      const list = await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${limited}` } });
      const ids = ((await list.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id).sort();
      expect(ids).toEqual(['llama3.2:1b', 'nomic-embed-text:latest']);
    });
  });

  it('/v1/models reports the context a client can use, and the trained maximum apart', async () => {
    const list = await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    const llama = ((await list.json()) as { data: Array<Record<string, unknown>> }).data.find(
      (m) => m.id === 'llama3.2:1b',
    )!;
    expect(llama).toMatchObject({ context_length: 4096, max_context_length: 131_072 });
  });

  describe('token arrays', () => {
    it.each([
      ['/v1/completions', { prompt: [1, 2, 3] }, 'prompt'],
      ['/v1/completions', { prompt: [[1, 2], [3]] }, 'prompt'],
      ['/v1/embeddings', { input: [1, 2, 3] }, 'input'],
      ['/v1/embeddings', { input: [[1, 2], [3]] }, 'input'],
    ] as const)('%s %j: 400 before admission, nothing charged, nothing sent to Ollama', async (path, body, param) => {
      const once = (await h.createKey({ rpm: 1 })).key;
      h.upstream.reset();
      const refused = await post(
        path,
        { model: path === '/v1/embeddings' ? 'nomic-embed-text' : 'llama3.2:1b', ...body },
        once,
      );
      expect(refused.status).toBe(400);
      const envelope = (await refused.json()) as { error: { param: string; message: string } };
      expect(envelope.error.param).toBe(param);
      expect(envelope.error.message).toMatch(/token arrays/);
      expect(await rowFor(refused.headers.get('x-request-id')!)).toBeUndefined();
      expect(h.upstream.stats.requests[`POST ${path}`]).toBeUndefined();
      // The key's one request a minute is still there.
      const ok =
        path === '/v1/embeddings'
          ? await post(path, { model: 'nomic-embed-text', input: 'hi' }, once)
          : await post(path, { model: 'llama3.2:1b', prompt: 'hi' }, once);
      expect(ok.status).toBe(200);
    });
  });
});
