// The HTTP layer: the Express app and the inference fast lane in front of it answer alike (same headers, same
// envelopes, same metrics labels), with x-powered-by and ETags off; a request the lane does not take (trailing
// slash, other method) is answered by Express the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

describe.each(['true', 'false'])('HTTP layer (FAST_LANE=%s)', (fastLane) => {
  let h: Harness;
  let key: string;
  let admin: string;
  const chat = (path: string, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: h.upstream.models[0]!.name, messages: [{ role: 'user', content: 'hi' }] }),
    });

  beforeAll(async () => {
    h = await startHarness({ kind: 'embedded', env: { FAST_LANE: fastLane } });
    key = (await h.createKey({ rpm: 10_000 })).key;
    admin = h.gateways[0]!.deps.config.ADMIN_TOKEN!;
  });
  afterAll(() => h.close());

  it('relays an inference request with the common headers and no Express headers', async () => {
    for (const path of ['/v1/chat/completions', '/v1/chat/completions/']) {
      const response = await chat(path);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
      expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get('x-instance')).toBe(h.gateways[0]!.deps.instance);
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('etag')).toBeNull();
    }
    const health = await fetch(`${h.url}/health`);
    expect(health.headers.get('x-powered-by')).toBeNull();
    expect(health.headers.get('etag')).toBeNull();
  });

  it('answers errors in the envelope of the path protocol, on both ways in', async () => {
    const openai = await chat('/v1/chat/completions', {});
    expect(openai.status).toBe(401);
    expect(await openai.json()).toMatchObject({ error: { code: 'invalid_api_key', type: 'invalid_request_error' } });
    const ollama = await chat('/api/chat', {});
    expect(ollama.status).toBe(401);
    const native = (await ollama.json()) as { error: unknown };
    expect(typeof native.error).toBe('string');
    const anthropic = await chat('/v1/messages', {});
    expect(anthropic.status).toBe(401);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('keeps 405 with Allow, preflight without a key, and 404 for a path parameter that is not percent-encoding', async () => {
    const wrong = await fetch(`${h.url}/v1/chat/completions`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    const head = await fetch(`${h.url}/api/ps`, { method: 'HEAD' });
    expect(head.status).toBe(405); // no HEAD→GET fallback: /api/ps lists GET only
    const preflight = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    const badParam = await fetch(`${h.url}/v1/models/%zz`, { headers: { authorization: `Bearer ${key}` } });
    expect(badParam.status).toBe(404);
    expect(await badParam.json()).toMatchObject({ error: { code: 'not_found' } });
    const upper = await fetch(`${h.url}/V1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(upper.status).toBe(404); // paths are case-sensitive, as Ollama's and OpenAI's are
  });

  it('labels metrics by route pattern whichever way the request came', async () => {
    const metrics = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
    const text = await metrics.text();
    expect(text).toContain('route="/v1/chat/completions"');
    expect(text).toContain('route="/api/chat"');
    expect(text).toContain('route="/health"');
  });
});
