// Three gateway instances sharing one PostgreSQL schema and one Redis prefix behave as one:
// the per-key RPM holds exactly across them, a revocation reaches all of them through the
// invalidation channel (long before the key cache's TTL),
// and the model catalog is fetched from Ollama once, not once per replica.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

describe('three replicas on PostgreSQL + Redis', () => {
  let h: Harness;
  let model: string;
  const chat = (url: string, key: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
    });

  beforeAll(async () => {
    h = await startHarness({ kind: 'pg+redis', replicas: 3, env: { KEY_CACHE_TTL_MS: 600_000 } });
    model = h.upstream.models[0]!.name;
  });
  afterAll(() => h.close());

  it('fetches the model list from Ollama once for all replicas (shared cache)', async () => {
    const { key } = await h.createKey();
    h.upstream.reset();
    for (const gateway of h.gateways) {
      const response = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
    }
    expect(h.upstream.stats.requests['GET /api/tags'] ?? 0).toBeLessThanOrEqual(1);
  });

  it('admits exactly RPM requests out of 200 concurrent ones spread over the replicas', async () => {
    const { key } = await h.createKey({ rpm: 60, tpm: 10_000_000 });
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(h.gateways[i % 3]!.url, key)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(140);
    const refused = responses.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const served = new Set(responses.filter((r) => r.status === 200).map((r) => r.headers.get('x-instance')));
    expect(served.size).toBe(3);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
  });

  it('lets no more tokens through than TPM plus one request, across replicas', async () => {
    // Each request reserves ~(body bytes / 4 + max_tokens 5) tokens; 1000 TPM fits a handful.
    const { key } = await h.createKey({ rpm: 10_000, tpm: 200 });
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => chat(h.gateways[i % 3]!.url, key)));
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    expect(ok.length).toBeGreaterThan(0);
    expect(limited.length).toBeGreaterThan(0);
    const body = (await limited[0]!.json()) as { error: { type: string } };
    expect(body.error.type).toBe('tokens');
    const used = await Promise.all(
      ok.map(async (r) => ((await r.json()) as { usage: { total_tokens: number } }).usage.total_tokens),
    );
    const perRequest = Math.max(...used);
    expect(used.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(200 + perRequest);
  });

  it('stops a revoked key on every replica through the invalidation channel, not the cache TTL', async () => {
    const { id, key } = await h.createKey();
    for (const gateway of h.gateways) expect((await chat(gateway.url, key)).status).toBe(200); // now cached everywhere
    expect((await h.admin('DELETE', `/admin/keys/${id}`)).status).toBe(200);
    // The replicas cache keys for KEY_CACHE_TTL_MS (10 min here, set in beforeAll), far past the test timeout: a 401
    // can only come from the revocation's broadcast. Until it lands a replica may still answer 200, nothing else.
    for (const gateway of h.gateways) {
      for (;;) {
        const status = (await chat(gateway.url, key)).status;
        if (status === 401) break;
        expect(status).toBe(200);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  });

  it('writes one usage row per served request, each naming its replica', async () => {
    const { id, key } = await h.createKey();
    for (let i = 0; i < 9; i += 1) expect((await chat(h.gateways[i % 3]!.url, key)).status).toBe(200);
    const rows = (await h.usageRows()).filter((row) => row.key_id === id);
    expect(rows).toHaveLength(9);
    expect(new Set(rows.map((row) => row.replica)).size).toBe(3);
  });
});
