// The HTTP contract every answer keeps: health shapes, request ids, replica header, CORS owned once,
// OpenAI error envelopes for bad input, 404/405, and metrics behind the admin token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';

function expectEnvelope(body: unknown, code: string): void {
  expect(body).toMatchObject({ error: { message: expect.any(String), type: expect.any(String), code } });
  expect(Object.keys((body as { error: object }).error).sort()).toEqual(['code', 'message', 'param', 'type']);
}

describe.each(BACKENDS)('HTTP contract (%s)', (kind) => {
  let h: Harness;
  let key: string;
  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body,
    });

  beforeAll(async () => {
    h = await startHarness({ kind });
    key = (await h.createKey({ rpm: 10_000 })).key;
  });
  afterAll(() => h.close());

  it('GET /health answers status, timestamp, uptime and instance without a key', async () => {
    const response = await fetch(`${h.url}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.status).toBe('ok');
    expect(new Date(body.timestamp as string).toISOString()).toBe(body.timestamp);
    expect(typeof body.uptime).toBe('number');
    expect(body.instance).toBe(h.gateways[0]!.deps.instance);
    expect(response.headers.get('x-instance')).toBe(body.instance);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a caller-supplied x-request-id', async () => {
    const response = await fetch(`${h.url}/health`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(response.headers.get('x-request-id')).toBe('trace-abc.123');
  });

  it('GET /health/ready names every dependency and 503s naming the failing upstream', async () => {
    const ok = await fetch(`${h.url}/health/ready`, { headers: { authorization: `Bearer ${h.adminToken}` } });
    const body = (await ok.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(ok.status).toBe(200);
    expect(Object.keys(body.checks).sort()).toEqual(['cache', 'limiter', 'store', 'upstreams']);

    const broken = await h.addGateway({ OLLAMA_URLS: 'http://127.0.0.1:9' });
    const down = await fetch(`${broken.url}/health/ready`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { failing: string[] }).failing).toEqual(['upstreams']);
  });

  it('answers a CORS request with exactly one Access-Control-Allow-Origin, errors included', async () => {
    for (const response of [
      await fetch(`${h.url}/health`, { headers: { origin: 'http://localhost:5173' } }),
      await fetch(`${h.url}/v1/models`, { headers: { origin: 'http://localhost:5173' } }),
    ]) {
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('answers a preflight with 204, methods, headers and max-age, without a key', async () => {
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-stainless-os',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST, OPTIONS, PUT, PATCH, DELETE');
    expect(response.headers.get('access-control-allow-headers')).toMatch(
      /^Authorization, Content-Type, X-Requested-With/,
    );
    expect(response.headers.get('access-control-allow-headers')).toContain('x-stainless-os');
    expect(response.headers.get('access-control-max-age')).toBe('3600');
  });

  it('rejects a missing key with 401 invalid_api_key', async () => {
    const response = await fetch(`${h.url}/v1/models`);
    expect(response.status).toBe(401);
    expectEnvelope(await response.json(), 'invalid_api_key');
  });

  it('rejects invalid JSON, invalid UTF-8, wrong types and missing fields with 400 naming the param', async () => {
    const model = h.upstream.models[0]!.name;
    const cases: Array<[string | Buffer, string | null]> = [
      ['{"model":', null],
      [Buffer.from([0x7b, 0x22, 0x6d, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), null],
      ['[1,2,3]', null],
      [JSON.stringify({ model }), 'messages'],
      [JSON.stringify({ model, messages: 'hi' }), 'messages'],
      [JSON.stringify({ model: 42, messages: [{ role: 'user', content: 'hi' }] }), 'model'],
      [JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: -1 }), 'max_tokens'],
      ['', null],
    ];
    for (const [body, param] of cases) {
      const response = await post('/v1/chat/completions', body);
      expect(response.status, String(body)).toBe(400);
      const envelope = (await response.json()) as { error: { param: string | null; type: string } };
      expect(envelope.error.type).toBe('invalid_request_error');
      if (param) expect(envelope.error.param).toBe(param);
    }
  });

  it('accepts a JSON body sent as curl -d sends it, and refuses multipart with 415', async () => {
    const body = JSON.stringify({ model: h.upstream.models[0]!.name, messages: [{ role: 'user', content: 'hi' }] });
    expect(
      (await post('/v1/chat/completions', body, { 'content-type': 'application/x-www-form-urlencoded' })).status,
    ).toBe(200);
    const multipart = await post('/v1/chat/completions', body, { 'content-type': 'multipart/form-data; boundary=x' });
    expect(multipart.status).toBe(415);
    expectEnvelope(await multipart.json(), 'unsupported_media_type');
  });

  it('rejects an oversize body with 413 in the envelope', async () => {
    const response = await post('/v1/chat/completions', JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
    expect(response.status).toBe(413);
    expectEnvelope(await response.json(), 'request_too_large');
  });

  it('answers unknown paths with 404 and wrong methods with 405, in the envelope', async () => {
    const missing = await fetch(`${h.url}/v2/nothing`);
    expect(missing.status).toBe(404);
    expectEnvelope(await missing.json(), 'not_found');
    const wrong = await fetch(`${h.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${key}` } });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expectEnvelope(await wrong.json(), 'method_not_allowed');
  });

  it('serves /metrics only with the admin token', async () => {
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    const response = await h.admin('GET', '/metrics');
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const metric of [
      'llmgw_http_requests_total',
      'llmgw_http_request_duration_seconds',
      'llmgw_gateway_overhead_seconds',
      'llmgw_tokens_total',
      'llmgw_rate_limited_total',
      'llmgw_active_streams',
      'llmgw_key_cache_lookups_total',
    ]) {
      expect(text).toContain(metric);
    }
  });
});

describe('CORS with an allow-list', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ kind: 'embedded', env: { CORS_ORIGINS: 'http://app.local:8080,https://ui.example' } });
  });
  afterAll(() => h.close());

  it('reflects an allowed origin once and gives a disallowed one nothing', async () => {
    const allowed = await fetch(`${h.url}/health`, { headers: { origin: 'https://ui.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ui.example');
    expect(allowed.headers.get('vary')).toBe('Origin');
    const denied = await fetch(`${h.url}/health`, { headers: { origin: 'https://evil.example' } });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${h.url}/v1/models`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });
});
