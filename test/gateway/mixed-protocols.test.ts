// One key, every protocol, three replicas on PostgreSQL + Redis: OpenAI chat, Responses, Anthropic Messages and
// native /api/chat share one exact RPM budget and one usage table, and the metrics carry each route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { postJson } from '../support/http.js';

describe('three protocols mixed over three replicas', () => {
  let h: Harness;
  let model: string;
  const requests: Array<{ path: string; body: () => Record<string, unknown> }> = [
    {
      path: '/v1/chat/completions',
      body: () => ({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
    },
    { path: '/v1/responses', body: () => ({ model, input: 'hi', max_output_tokens: 5 }) },
    { path: '/v1/messages', body: () => ({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }) },
    {
      path: '/api/chat',
      body: () => ({ model, messages: [{ role: 'user', content: 'hi' }], stream: false, options: { num_predict: 5 } }),
    },
  ];
  const send = (i: number, key: string) => {
    const request = requests[i % requests.length]!;
    // Anthropic clients send x-api-key; the others a bearer token.
    const auth: Record<string, string> =
      request.path === '/v1/messages' ? { 'x-api-key': key } : { authorization: `Bearer ${key}` };
    return postJson(`${h.gateways[i % 3]!.url}${request.path}`, request.body(), auth);
  };

  beforeAll(async () => {
    h = await startHarness({ kind: 'pg+redis', replicas: 3 });
    model = h.upstream.models[0]!.name;
  });
  afterAll(() => h.close());

  it('admits exactly RPM requests out of 120 concurrent ones over all protocols and replicas', async () => {
    const { id, key } = await h.createKey({ rpm: 40, tpm: 10_000_000 });
    const responses = await Promise.all(Array.from({ length: 120 }, (_, i) => send(i, key)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(40);
    expect(statuses.filter((s) => s === 429)).toHaveLength(80);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    const rows = (await h.usageRows()).filter((row) => row.key_id === id);
    expect(rows).toHaveLength(40);
    for (const row of rows) {
      expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
      expect(Number(row.completion_tokens)).toBeGreaterThan(0);
    }
    expect(new Set(rows.map((row) => row.endpoint)).size).toBe(requests.length);
  });

  it("labels request metrics with each protocol's route", async () => {
    const { key } = await h.createKey();
    for (let i = 0; i < requests.length; i += 1) expect((await send(i * 3, key)).status).toBe(200);
    const text = await (await h.admin('GET', '/metrics')).text();
    for (const { path } of requests) expect(text).toContain(`route="${path}"`);
  });
});
