// Issue 14, part 1: one key cannot starve the others. A per-key cap on requests in flight (429 type
// "concurrency" in each protocol's envelope), a replica-wide cap (503 / Anthropic 529 with retry-after), a
// maximum stream duration, and the slot freed on every end path (success, upstream error, client gone).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type Call = (key: string, signal?: AbortSignal) => Promise<Response>;

function calls(h: () => Harness, model: () => string) {
  const post = (path: string, key: string, body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${h().url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'x-api-key': key,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({ model: model(), ...body }),
      ...(signal ? { signal } : {}),
    });
  const messages = [{ role: 'user', content: 'Tell me a story' }];
  return {
    openaiStream: ((key, signal) => post('/v1/chat/completions', key, { messages, stream: true }, signal)) as Call,
    openai: ((key) => post('/v1/chat/completions', key, { messages })) as Call,
    anthropic: ((key) => post('/v1/messages', key, { messages, max_tokens: 16 })) as Call,
    ollama: ((key) => post('/api/chat', key, { messages, stream: false })) as Call,
  };
}

/** Opens a stream and reads its first chunk, so the request is admitted and in flight. */
async function hold(call: Call, key: string): Promise<AbortController> {
  const controller = new AbortController();
  const response = await call(key, controller.signal);
  expect(response.status).toBe(200);
  await response.body!.getReader().read();
  return controller;
}

describe.each(BACKENDS)('per-key concurrency (%s)', (kind) => {
  let h: Harness;
  let model: string;
  const c = calls(
    () => h,
    () => model,
  );

  beforeAll(async () => {
    h = await startHarness({ kind });
    model = h.upstream.models[0]!.name;
  });
  afterEach(() => h.upstream.resetAll());
  afterAll(() => h.close());

  it('a key at its max_concurrent gets 429 type concurrency in every protocol; another key is served', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 500, chunkDelayMs: 20 };
    const busy = await h.createKey({ rpm: 10_000, max_concurrent: 2 });
    const other = await h.createKey({ rpm: 10_000 });
    const held = [await hold(c.openaiStream, busy.key), await hold(c.openaiStream, busy.key)];
    try {
      const openai = await c.openai(busy.key);
      expect(openai.status).toBe(429);
      expect(openai.headers.get('retry-after')).toBe('1');
      expect(((await openai.json()) as { error: { type: string; code: string; message: string } }).error).toMatchObject(
        {
          type: 'concurrency',
          code: 'rate_limit_exceeded',
          message: expect.stringContaining('2 requests in flight'),
        },
      );
      const anthropic = await c.anthropic(busy.key);
      expect(anthropic.status).toBe(429);
      expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
      const ollama = await c.ollama(busy.key);
      expect(ollama.status).toBe(429);
      expect(((await ollama.json()) as { error: string }).error).toContain('max_concurrent');

      h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 3, chunkDelayMs: 0 };
      expect((await c.openai(other.key)).status).toBe(200);
    } finally {
      for (const controller of held) controller.abort();
    }
    // The aborted streams free their slots.
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 3, chunkDelayMs: 0 };
    await waitFor(async () => (await c.openai(busy.key)).status === 200);
  });

  it('frees the slot on every end path: success, upstream error, invalid answer', async () => {
    const key = (await h.createKey({ rpm: 10_000, max_concurrent: 1 })).key;
    for (let i = 0; i < 3; i++) expect((await c.openai(key)).status).toBe(200);
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'http500', failCount: 2 };
    for (let i = 0; i < 2; i++) expect((await c.openai(key)).status).toBe(502);
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'malformed-json', failCount: 1 };
    expect((await c.openai(key)).status).toBe(502);
    expect((await c.openai(key)).status).toBe(200);
  });

  it('takes max_concurrent in the admin API, shows it, and refuses a bad one', async () => {
    const created = (await h.createKey({ max_concurrent: 3 })) as unknown as { id: string; max_concurrent: number };
    expect(created.max_concurrent).toBe(3);
    const shown = (await (await h.admin('GET', `/admin/keys/${created.id}`)).json()) as { max_concurrent: number };
    expect(shown.max_concurrent).toBe(3);
    const rotated = (await (await h.admin('POST', `/admin/keys/${created.id}/rotate`)).json()) as {
      max_concurrent: number;
    };
    expect(rotated.max_concurrent).toBe(3);
    const defaulted = (await h.createKey()) as unknown as { max_concurrent: number | null };
    expect(defaulted.max_concurrent).toBeNull();
    expect((await h.admin('POST', '/admin/keys', { name: 'bad', max_concurrent: 0 })).status).toBe(400);
  });
});

describe.each(BACKENDS)('replica cap and stream duration (%s)', (kind) => {
  let h: Harness;
  let model: string;
  const c = calls(
    () => h,
    () => model,
  );

  beforeAll(async () => {
    h = await startHarness({ kind, env: { MAX_CONCURRENT_REQUESTS: 1, MAX_STREAM_DURATION_MS: 400 } });
    model = h.upstream.models[0]!.name;
  });
  afterEach(() => h.upstream.resetAll());
  afterAll(() => h.close());

  it('a full replica answers 503 (Anthropic 529) with retry-after at once, to every key', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 15, chunkDelayMs: 20 };
    const a = (await h.createKey({ rpm: 10_000 })).key;
    const b = (await h.createKey({ rpm: 10_000 })).key;
    const held = await hold(c.openaiStream, a);
    try {
      const openai = await c.openai(b);
      expect(openai.status).toBe(503);
      expect(openai.headers.get('retry-after')).toBe('1');
      expect(((await openai.json()) as { error: { code: string } }).error.code).toBe('overloaded');
      const anthropic = await c.anthropic(b);
      expect(anthropic.status).toBe(529);
      expect(await anthropic.json()).toMatchObject({ error: { type: 'overloaded_error' } });
    } finally {
      held.abort();
    }
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 3, chunkDelayMs: 0 };
    await waitFor(async () => (await c.openai(b)).status === 200);
  });

  it('ends a stream that runs past MAX_STREAM_DURATION_MS with a terminal error event, and frees its slot', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 1000, chunkDelayMs: 20 };
    const key = (await h.createKey({ rpm: 10_000, max_concurrent: 1 })).key;
    const response = await c.openaiStream(key);
    expect(response.status).toBe(200);
    const events = (await response.text()).trim().split('\n\n');
    const last = JSON.parse(events.at(-1)!.slice('data: '.length)) as { error: { code: string; message: string } };
    expect(last.error.code).toBe('stream_time_limit');
    expect(last.error.message).toContain('MAX_STREAM_DURATION_MS');
    expect(events.length).toBeLessThan(1000);
    await waitFor(() => h.upstream.stats.aborted >= 1);
    h.upstream.behaviour = { ...h.upstream.behaviour, chunks: 3, chunkDelayMs: 0 };
    expect((await c.openai(key)).status).toBe(200);
  });
});
