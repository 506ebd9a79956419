// Issue 16, "Response cache": opted-in deterministic requests are answered from an exact-match cache (Redis in the
// stack, memory embedded). A second identical request does not reach the upstream and is marked x-cache: hit;
// another key misses unless RESPONSE_CACHE_SHARED; non-deterministic requests are never cached; a replayed stream
// is byte-equal to the original; a changed model digest (a pull) misses; the hit's usage row is marked cached.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';

const CHAT = 'POST /v1/chat/completions';

describe.each(BACKENDS)('response cache (%s)', (kind) => {
  let h: Harness;
  let model: string;
  let cachedKey: string;
  let cachedKeyId: string;

  const upstreamCalls = (route: string) => h.upstream.stats.requests[route] ?? 0;
  const embedModel = () => h.upstream.models.find((m) => m.capabilities.includes('embedding'))?.name ?? model;

  const post = (
    path: string,
    key: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
    url = h.url,
  ) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'x-api-key': key,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify({ model, ...body }),
    });

  /** A body no other test sends, so each test starts with an empty cache for it. */
  let n = 0;
  const fresh = (extra: Record<string, unknown> = {}) => ({
    messages: [{ role: 'user', content: `Question ${(n += 1)} in ${kind}` }],
    temperature: 0,
    ...extra,
  });

  beforeAll(async () => {
    h = await startHarness({ kind });
    model = h.upstream.models[0]!.name;
    const created = await h.createKey({ rpm: 10_000, cache: true });
    cachedKey = created.key;
    cachedKeyId = created.id;
  });
  afterEach(async () => {
    h.upstream.resetAll();
    // The digest test changes a model's digest: every gateway reads the restored list again.
    await Promise.all(h.gateways.map((gateway) => gateway.deps.catalog.refresh()));
  });
  afterAll(() => h.close());

  it('answers a second identical request from the cache (openai client): x-cache hit, no upstream call', async () => {
    const client = new OpenAI({ apiKey: cachedKey, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const body = { model, messages: [{ role: 'user' as const, content: `2+2 in ${kind}?` }], temperature: 0 };
    const first = await client.chat.completions.create(body).withResponse();
    expect(first.response.headers.get('x-cache')).toBe('miss');
    expect(upstreamCalls(CHAT)).toBe(1);
    const second = await client.chat.completions.create(body).withResponse();
    expect(second.response.headers.get('x-cache')).toBe('hit');
    expect(second.data).toEqual(first.data);
    expect(upstreamCalls(CHAT)).toBe(1);
    // Key order and whitespace do not matter: the body is hashed as canonical JSON.
    const reordered = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cachedKey}`, 'content-type': 'application/json' },
      body: `{ "temperature": 0, "messages": ${JSON.stringify(body.messages)}, "model": "${model}" }`,
    });
    expect(reordered.headers.get('x-cache')).toBe('hit');
    expect(upstreamCalls(CHAT)).toBe(1);
  });

  it('caches seeded requests too, in every protocol (OpenAI seed, Anthropic temperature 0, Ollama options)', async () => {
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['/v1/chat/completions', CHAT, { messages: [{ role: 'user', content: `seeded ${kind}` }], seed: 42 }],
      [
        '/v1/messages',
        'POST /v1/messages',
        { messages: [{ role: 'user', content: `anthropic ${kind}` }], max_tokens: 16, temperature: 0 },
      ],
      [
        '/api/chat',
        'POST /api/chat',
        { messages: [{ role: 'user', content: `native ${kind}` }], stream: false, options: { seed: 7 } },
      ],
      ['/api/embed', 'POST /api/embed', { model: embedModel(), input: `embed ${kind}` }],
    ];
    for (const [path, route, body] of cases) {
      const first = await post(path, cachedKey, body);
      expect(first.status, path).toBe(200);
      expect(first.headers.get('x-cache'), path).toBe('miss');
      const firstBody = await first.text();
      const second = await post(path, cachedKey, body);
      expect(second.headers.get('x-cache'), path).toBe('hit');
      expect(await second.text(), path).toBe(firstBody);
      expect(upstreamCalls(route), path).toBe(1);
    }
  });

  it('never caches a non-deterministic request (x-cache: skip, upstream every time)', async () => {
    const body = { messages: [{ role: 'user', content: `creative ${kind}` }], temperature: 0.8 };
    for (let i = 0; i < 2; i += 1) {
      const response = await post('/v1/chat/completions', cachedKey, body);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-cache')).toBe('skip');
    }
    const unset = { messages: [{ role: 'user', content: `default sampling ${kind}` }] };
    for (let i = 0; i < 2; i += 1) {
      expect((await post('/v1/chat/completions', cachedKey, unset)).headers.get('x-cache')).toBe('skip');
    }
    // Ollama's load request (no messages) always reaches Ollama.
    for (let i = 0; i < 2; i += 1) {
      const load = await post('/api/chat', cachedKey, { options: { temperature: 0 }, stream: false });
      expect(load.headers.get('x-cache')).toBe('skip');
    }
    expect(upstreamCalls(CHAT)).toBe(4);
    expect(upstreamCalls('POST /api/chat')).toBe(2);
  });

  it('replays a stream byte for byte in its framing (OpenAI, Anthropic and Responses SSE; Ollama NDJSON)', async () => {
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['/v1/chat/completions', CHAT, fresh({ stream: true }), 'text/event-stream'],
      [
        '/v1/chat/completions',
        CHAT,
        fresh({ stream: true, stream_options: { include_usage: true } }),
        'text/event-stream',
      ],
      ['/v1/messages', 'POST /v1/messages', fresh({ stream: true, max_tokens: 16 }), 'text/event-stream'],
      [
        '/v1/responses',
        'POST /v1/responses',
        { input: `responses ${kind}`, temperature: 0, stream: true },
        'text/event-stream',
      ],
      ['/api/chat', 'POST /api/chat', fresh({ temperature: undefined, options: { temperature: 0 } }), 'x-ndjson'],
    ];
    for (const [path, route, body, type] of cases) {
      const before = upstreamCalls(route);
      const first = await post(path, cachedKey, body);
      expect(first.headers.get('x-cache'), path).toBe('miss');
      const original = await first.text();
      expect(original.length).toBeGreaterThan(0);
      const second = await post(path, cachedKey, body);
      expect(second.headers.get('x-cache'), path).toBe('hit');
      expect(second.headers.get('content-type'), path).toContain(type);
      expect(await second.text(), path).toBe(original);
      expect(upstreamCalls(route) - before, path).toBe(1);
    }
    // The whole answer to the same question is its own entry (a stream never answers a whole request).
    const whole = await post('/v1/chat/completions', cachedKey, { ...cases[0]![2], stream: false });
    expect(whole.headers.get('x-cache')).toBe('miss');
    expect(((await whole.json()) as { object: string }).object).toBe('chat.completion');
  });

  it('does not keep a stream that broke', async () => {
    h.upstream.behaviour = { ...h.upstream.behaviour, failWith: 'error-mid-stream', failCount: 1 };
    const body = fresh({ stream: true });
    const broken = await post('/v1/chat/completions', cachedKey, body);
    expect(broken.headers.get('x-cache')).toBe('miss');
    await broken.text();
    const again = await post('/v1/chat/completions', cachedKey, body);
    expect(again.headers.get('x-cache')).toBe('miss');
    await again.text();
    expect(upstreamCalls(CHAT)).toBe(2);
  });

  it('misses after the model digest changed (a pull of new weights)', async () => {
    const body = fresh();
    expect((await post('/v1/chat/completions', cachedKey, body)).headers.get('x-cache')).toBe('miss');
    expect((await post('/v1/chat/completions', cachedKey, body)).headers.get('x-cache')).toBe('hit');
    h.upstream.models[0]!.digest = 'f'.repeat(64);
    // What the gateway's own pull route does once a pull ends: read the model list again.
    await h.gateways[0]!.deps.catalog.refresh();
    const after = await post('/v1/chat/completions', cachedKey, body);
    expect(after.headers.get('x-cache')).toBe('miss');
    expect((await post('/v1/chat/completions', cachedKey, body)).headers.get('x-cache')).toBe('hit');
    expect(upstreamCalls(CHAT)).toBe(2);
  });

  it('keeps entries per key: another key misses; with RESPONSE_CACHE_SHARED=true it hits', async () => {
    const other = await h.createKey({ rpm: 10_000, cache: true });
    const body = fresh();
    expect((await post('/v1/chat/completions', cachedKey, body)).headers.get('x-cache')).toBe('miss');
    expect((await post('/v1/chat/completions', other.key, body)).headers.get('x-cache')).toBe('miss');
    expect(upstreamCalls(CHAT)).toBe(2);

    const shared = await h.addGateway({ RESPONSE_CACHE_SHARED: 'true' });
    const sharedBody = fresh();
    expect((await post('/v1/chat/completions', cachedKey, sharedBody, {}, shared.url)).headers.get('x-cache')).toBe(
      'miss',
    );
    expect((await post('/v1/chat/completions', other.key, sharedBody, {}, shared.url)).headers.get('x-cache')).toBe(
      'hit',
    );
    expect(upstreamCalls(CHAT)).toBe(3);
  });

  it('caches nothing with RESPONSE_CACHE=false, whatever the key or the header asks', async () => {
    const off = await h.addGateway({ RESPONSE_CACHE: 'false' });
    const body = fresh();
    for (let i = 0; i < 2; i += 1) {
      const response = await post('/v1/chat/completions', cachedKey, body, { 'x-llmgw-cache': 'true' }, off.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-cache')).toBeNull();
    }
    expect(upstreamCalls(CHAT)).toBe(2);
  });

  it('opts in and out per request with x-llmgw-cache; a key without the setting is not cached', async () => {
    const plain = await h.createKey({ rpm: 10_000 });
    const body = fresh();
    for (let i = 0; i < 2; i += 1) {
      const response = await post('/v1/chat/completions', plain.key, body);
      expect(response.headers.get('x-cache')).toBeNull();
    }
    expect(
      (await post('/v1/chat/completions', plain.key, body, { 'x-llmgw-cache': 'true' })).headers.get('x-cache'),
    ).toBe('miss');
    expect(
      (await post('/v1/chat/completions', plain.key, body, { 'x-llmgw-cache': 'TRUE' })).headers.get('x-cache'),
    ).toBe('hit');
    // `false` bypasses a key that has the setting on: the request goes upstream and is not marked.
    const bypass = fresh();
    expect((await post('/v1/chat/completions', cachedKey, bypass)).headers.get('x-cache')).toBe('miss');
    const skipped = await post('/v1/chat/completions', cachedKey, bypass, { 'x-llmgw-cache': 'false' });
    expect(skipped.headers.get('x-cache')).toBeNull();
    expect(upstreamCalls(CHAT)).toBe(5);

    // A page in a browser can read the mark (CORS exposes it).
    const fromPage = await post('/v1/chat/completions', cachedKey, bypass, { origin: 'http://app.example' });
    expect(fromPage.headers.get('x-cache')).toBe('hit');
    expect(fromPage.headers.get('access-control-expose-headers')?.split(', ')).toContain('x-cache');

    const bad = await post('/v1/chat/completions', cachedKey, bypass, { 'x-llmgw-cache': 'maybe' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('x-llmgw-cache');
  });

  it('records a hit as cached: 0 upstream tokens, the answer’s tokens as cached_tokens, in the usage API', async () => {
    const body = fresh();
    const first = await post('/v1/chat/completions', cachedKey, body);
    const usage = ((await first.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    const second = await post('/v1/chat/completions', cachedKey, body);
    expect(second.headers.get('x-cache')).toBe('hit');
    // The usage row is named by the gateway's request id, which x-request-id echoes when the client sent none.
    const rows = (await h.usageRows()).filter((row) => row.key_id === cachedKeyId);
    const previous = rows.find((row) => row.request_id === first.headers.get('x-request-id'))!;
    const last = rows.find((row) => row.request_id === second.headers.get('x-request-id'))!;
    expect(previous).toBeDefined();
    expect(last).toBeDefined();
    expect(Boolean(previous.cached)).toBe(false);
    expect(Number(previous.prompt_tokens)).toBe(usage.prompt_tokens);
    expect(Boolean(last.cached)).toBe(true);
    expect(Number(last.prompt_tokens)).toBe(0);
    expect(Number(last.completion_tokens)).toBe(0);
    expect(Number(last.cached_tokens)).toBe(usage.prompt_tokens + usage.completion_tokens);

    const summary = (await (await h.admin('GET', `/admin/usage?key_id=${cachedKeyId}`)).json()) as {
      totals: { cached_requests: number; cached_tokens: number };
    };
    expect(summary.totals.cached_requests).toBe(rows.filter((row) => Boolean(row.cached)).length);
    expect(summary.totals.cached_tokens).toBe(rows.reduce((sum, row) => sum + Number(row.cached_tokens), 0));
  });

  it('counts a hit against the request limit but settles its tokens to 0 (Ollama did no work)', async () => {
    const limited = await h.createKey({ rpm: 10_000, tpm: 100_000, cache: true });
    const body = fresh();
    const remaining = async () => {
      const response = await post('/v1/chat/completions', limited.key, body);
      await response.text();
      return {
        cache: response.headers.get('x-cache'),
        requests: Number(response.headers.get('x-ratelimit-remaining-requests')),
        tokens: Number(response.headers.get('x-ratelimit-remaining-tokens')),
      };
    };
    const miss = await remaining();
    const hits = [await remaining(), await remaining(), await remaining()];
    expect([miss.cache, ...hits.map((hit) => hit.cache)]).toEqual(['miss', 'hit', 'hit', 'hit']);
    // Each hit took one more request of the window, but no tokens stayed reserved after it.
    expect(hits.map((hit) => hit.requests)).toEqual([miss.requests - 1, miss.requests - 2, miss.requests - 3]);
    expect(hits[2]!.tokens).toBe(hits[1]!.tokens);
    expect(hits[1]!.tokens).toBe(hits[0]!.tokens);
  });

  it('shows and changes the key setting through the admin API', async () => {
    const created = await h.createKey({});
    expect((await (await h.admin('GET', `/admin/keys/${created.id}`)).json()) as { cache: boolean }).toMatchObject({
      cache: false,
    });
    const patched = await h.admin('PATCH', `/admin/keys/${created.id}`, { cache: true });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { cache: boolean; allowed_ips: unknown }).cache).toBe(true);
    const body = fresh();
    // The key cache dropped the old record: the new setting holds at once.
    expect((await post('/v1/chat/completions', created.key, body)).headers.get('x-cache')).toBe('miss');
    expect((await post('/v1/chat/completions', created.key, body)).headers.get('x-cache')).toBe('hit');
  });
});
