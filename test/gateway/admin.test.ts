// Admin API: key lifecycle (create, list, get, revoke, rotate with grace), input validation,
// the usage summary, and the admin token guard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';

describe.each(BACKENDS)('admin API (%s)', (kind) => {
  let h: Harness;
  const chat = (key: string, model?: string) =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: model ?? h.upstream.models[0]!.name, messages: [{ role: 'user', content: 'hi' }] }),
    });

  beforeAll(async () => {
    h = await startHarness({ kind });
  });
  afterAll(() => h.close());

  it('creates a key shown once, stores only its hash, and lists it without the plaintext', async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const response = await h.admin('POST', '/admin/keys', {
      name: 'ci',
      models: ['llama3.2:1b'],
      rpm: 5,
      tpm: 500,
      expires_at: expires,
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as Record<string, unknown>;
    expect(created.key).toMatch(/^llmgw_[0-9a-f]{64}$/);
    expect(created).toMatchObject({ name: 'ci', models: ['llama3.2:1b'], rpm: 5, tpm: 500, status: 'active' });
    expect(created.prefix).toBe((created.key as string).slice(0, 14));
    expect(new Date(created.expires_at as string).toISOString()).toBe(expires);

    const list = (await (await h.admin('GET', '/admin/keys')).json()) as { data: Array<Record<string, unknown>> };
    const listed = list.data.find((k) => k.id === created.id)!;
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty('key');
    expect(JSON.stringify(list)).not.toContain(created.key as string);
    const one = (await (await h.admin('GET', `/admin/keys/${String(created.id)}`)).json()) as Record<string, unknown>;
    expect(one.id).toBe(created.id);
  });

  it('refuses bad key requests with 400 naming the field, and creates nothing', async () => {
    const before = ((await (await h.admin('GET', '/admin/keys')).json()) as { data: unknown[] }).data.length;
    const cases: Array<[unknown, string]> = [
      [{}, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x', rpm: 0 }, 'rpm'],
      [{ name: 'x', rpm: 1.5 }, 'rpm'],
      [{ name: 'x', tpm: 'many' }, 'tpm'],
      [{ name: 'x', models: [] }, 'models'],
      [{ name: 'x', expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
      [{ name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
      [{ name: 'x', admin: true }, ''],
    ];
    for (const [body, param] of cases) {
      const response = await h.admin('POST', '/admin/keys', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const envelope = (await response.json()) as { error: { param: string | null } };
      if (param) expect(envelope.error.param).toBe(param);
    }
    const after = ((await (await h.admin('GET', '/admin/keys')).json()) as { data: unknown[] }).data.length;
    expect(after).toBe(before);
  });

  it('revokes a key: it stops working at once, and revoking an unknown id is 404', async () => {
    const { id, key } = await h.createKey();
    expect((await chat(key)).status).toBe(200);
    const revoked = await h.admin('DELETE', `/admin/keys/${id}`);
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { status: string }).status).toBe('revoked');
    const refused = await chat(key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('revoked');
    expect((await h.admin('DELETE', '/admin/keys/key_nope')).status).toBe(404);
  });

  it('rotates a key: the successor works, the old key keeps working for the grace period only', async () => {
    const old = await h.createKey({ rpm: 100 });
    const graced = await h.admin('POST', `/admin/keys/${old.id}/rotate`, { grace_hours: 1 });
    expect(graced.status).toBe(201);
    const next = (await graced.json()) as { id: string; key: string; rpm: number; previous: { replaced_by: string } };
    expect(next.rpm).toBe(100);
    expect(next.previous.replaced_by).toBe(next.id);
    expect((await chat(next.key)).status).toBe(200);
    expect((await chat(old.key)).status).toBe(200);

    const again = await h.admin('POST', `/admin/keys/${next.id}/rotate`, { grace_hours: 0 });
    const third = (await again.json()) as { key: string };
    expect((await chat(third.key)).status).toBe(200);
    const expired = await chat(next.key);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toContain('expired');
  });

  it('summarises usage by key and model over a range', async () => {
    const { id, key } = await h.createKey();
    for (let i = 0; i < 3; i += 1) expect((await chat(key)).status).toBe(200);
    await Promise.all(h.gateways.map((g) => g.deps.usage.flush()));
    const response = await h.admin('GET', `/admin/usage?key_id=${id}`);
    expect(response.status).toBe(200);
    const summary = (await response.json()) as { totals: { requests: number }; data: Array<Record<string, unknown>> };
    expect(summary.totals.requests).toBe(3);
    expect(summary.data[0]).toMatchObject({ key_id: id, model: h.upstream.models[0]!.name, requests: 3, errors: 0 });
    expect(Number(summary.data[0]!.completion_tokens)).toBeGreaterThan(0);
    expect(typeof summary.data[0]!.p50_latency_ms).toBe('number');
    expect(Number(summary.data[0]!.p95_latency_ms)).toBeGreaterThanOrEqual(Number(summary.data[0]!.p50_latency_ms));
    const totals = summary.totals as Record<string, unknown>;
    expect(typeof totals.p50_latency_ms).toBe('number');
    expect(typeof totals.p99_latency_ms).toBe('number');
    expect((await h.admin('GET', '/admin/usage?from=yesterday')).status).toBe(400);
    expect((await h.admin('GET', '/admin/usage?from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z')).status).toBe(400);
  });

  it('guards the admin API with the admin token', async () => {
    const none = await fetch(`${h.url}/admin/keys`);
    expect(none.status).toBe(401);
    const wrong = await fetch(`${h.url}/admin/keys`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('invalid_admin_token');
  });
});

describe('admin API without ADMIN_TOKEN', () => {
  it('is disabled with 403 and a message saying how to enable it', async () => {
    const h = await startHarness({ kind: 'embedded', env: { ADMIN_TOKEN: '' } });
    try {
      const response = await fetch(`${h.url}/admin/keys`, {
        headers: { authorization: 'Bearer anything-at-all-here' },
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain('ADMIN_TOKEN');
    } finally {
      await h.close();
    }
  });
});
