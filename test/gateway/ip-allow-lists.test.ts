// Issue 16: per-key IP allow-lists. A key with allowed_ips works only from those client addresses; from anywhere
// else it gets 403 ip_not_allowed in the envelope of the protocol the path speaks (OpenAI, Anthropic, Ollama). The
// list is set on create, changed with PATCH (every replica follows at once), kept by a rotation, and checked from
// the cached record. Clients bind distinct loopback source addresses (127.0.0.2, 127.0.0.3, ::1).
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';
import { requestFrom } from '../support/from-address.js';
import { waitFor } from '../support/http.js';

describe.each(BACKENDS)('per-key IP allow-lists (%s)', (kind) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const model = () => h!.upstream.models[0]!.name;
  const chat = (from: string, key: string, base = h!.url) =>
    requestFrom(from, `${base}/v1/chat/completions`, {
      headers: { authorization: `Bearer ${key}` },
      body: { model: model(), messages: [{ role: 'user', content: 'hi' }] },
    });

  it('serves an allowed address and answers 403 ip_not_allowed elsewhere, in each protocol', async () => {
    h = await startHarness({ kind });
    const created = await h.createKey({ allowed_ips: ['127.0.0.2', '10.0.0.0/8'] });
    expect((created as unknown as { allowed_ips: string[] }).allowed_ips).toEqual(['127.0.0.2', '10.0.0.0/8']);
    const lookups = countLookups(h);

    expect((await chat('127.0.0.2', created.key)).status).toBe(200);
    const openai = await chat('127.0.0.3', created.key);
    expect(openai.status).toBe(403);
    expect(openai.json.error).toMatchObject({ type: 'permission_error', code: 'ip_not_allowed' });
    expect(openai.json.error.message).toContain('127.0.0.3');

    const anthropic = await requestFrom('127.0.0.3', `${h.url}/v1/messages`, {
      headers: { 'x-api-key': created.key, 'anthropic-version': '2023-06-01' },
      body: { model: model(), max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(anthropic.status).toBe(403);
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    expect(anthropic.json.error.message).toContain('ip_not_allowed');

    const ollama = await requestFrom('127.0.0.3', `${h.url}/api/chat`, {
      headers: { authorization: `Bearer ${created.key}` },
      body: { model: model(), stream: false, messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(ollama.status).toBe(403);
    expect(Object.keys(ollama.json)).toEqual(['error']);
    expect(ollama.json.error).toContain('ip_not_allowed');
    // Listing models is refused too: the list guards every use of the key, not only generation.
    expect(
      (await requestFrom('127.0.0.3', `${h.url}/v1/models`, { headers: { authorization: `Bearer ${created.key}` } }))
        .status,
    ).toBe(403);
    // All of it from the cached record: one lookup at most (the first request), none per refused request.
    expect(lookups.calls).toBeLessThanOrEqual(1);

    // A key without a list works from anywhere.
    const open = await h.createKey();
    expect((await chat('127.0.0.3', open.key)).status).toBe(200);
  });

  it('a refused address is not counted as a failed authentication (no auth throttle for the right key)', async () => {
    h = await startHarness({ kind, env: { AUTH_FAILURE_BURST: 2, AUTH_FAILURE_PER_S: 0.01 } });
    const created = await h.createKey({ allowed_ips: ['127.0.0.2'] });
    for (let i = 0; i < 5; i += 1) expect((await chat('127.0.0.3', created.key)).status).toBe(403);
    const other = await h.createKey();
    expect((await chat('127.0.0.3', other.key)).status).toBe(200);
  });

  it('PATCH changes the list (on every replica at once with Redis); null lifts it; a rotation keeps it', async () => {
    // Embedded mode is one process (its replicas would share no invalidation channel); the stack has Redis.
    h = await startHarness({ kind, replicas: kind === 'pg+redis' ? 2 : 1 });
    const created = await h.createKey({ allowed_ips: ['127.0.0.2'] });
    const second = h.gateways.at(-1)!.url;
    expect((await chat('127.0.0.3', created.key, second)).status).toBe(403);

    const patched = await h.admin('PATCH', `/admin/keys/${created.id}`, { allowed_ips: ['127.0.0.3/32'] });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ id: created.id, allowed_ips: ['127.0.0.3/32'] });
    await waitFor(async () => (await chat('127.0.0.3', created.key, second)).status === 200);
    expect((await chat('127.0.0.2', created.key, second)).status).toBe(403);

    const rotated = await h.admin('POST', `/admin/keys/${created.id}/rotate`, { grace_hours: 0 });
    const successor = (await rotated.json()) as { key: string; allowed_ips: string[] };
    expect(successor.allowed_ips).toEqual(['127.0.0.3/32']);
    expect((await chat('127.0.0.2', successor.key)).status).toBe(403);

    expect((await h.admin('PATCH', `/admin/keys/${created.id}`, { allowed_ips: null })).status).toBe(200);
    await waitFor(async () => (await chat('127.0.0.2', created.key)).status !== 403);
  });

  it('refuses bad lists with 400 and changes nothing; a revoked key cannot be updated', async () => {
    h = await startHarness({ kind });
    for (const allowed_ips of [['10.0.0.0/33'], ['example.com'], [], ['1.2.3.4', 5], Array(101).fill('::1')]) {
      const response = await h.admin('POST', '/admin/keys', { name: 'bad', allowed_ips });
      expect(response.status, JSON.stringify(allowed_ips)).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
    const created = await h.createKey({ allowed_ips: ['127.0.0.2'] });
    expect((await h.admin('PATCH', `/admin/keys/${created.id}`, { allowed_ips: ['300.1.1.1'] })).status).toBe(400);
    expect((await h.admin('PATCH', `/admin/keys/${created.id}`, {})).status).toBe(400);
    expect((await h.admin('PATCH', '/admin/keys/key_nope', { allowed_ips: null })).status).toBe(404);
    const list = (await (await h.admin('GET', '/admin/keys')).json()) as { data: Array<{ allowed_ips: unknown }> };
    expect(list.data.map((k) => k.allowed_ips)).toEqual([['127.0.0.2']]);
    await h.admin('DELETE', `/admin/keys/${created.id}`);
    expect((await h.admin('PATCH', `/admin/keys/${created.id}`, { allowed_ips: null })).status).toBe(400);
  });

  it('IPv6 and IPv4-mapped peers on a dual-stack listener', async () => {
    h = await startHarness({ kind });
    const dual = await h.addGateway({ HOST: '::' });
    const port = new URL(dual.url).port;
    const v6 = `http://[::1]:${port}`;
    const v4 = `http://127.0.0.1:${port}`;
    const key6 = await h.createKey({ allowed_ips: ['::1/128'] });
    expect((await chat('::1', key6.key, v6)).status).toBe(200);
    expect((await chat('127.0.0.2', key6.key, v4)).status).toBe(403);
    // 127.0.0.2 arrives as ::ffff:127.0.0.2 on the dual-stack socket; it matches the IPv4 rule.
    const key4 = await h.createKey({ allowed_ips: ['127.0.0.2'] });
    expect((await chat('127.0.0.2', key4.key, v4)).status).toBe(200);
    const refused = await chat('::1', key4.key, v6);
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toContain('::1');
  });
});

/** Counts the first gateway's store lookups by hash (the hot path must not make any per request). */
function countLookups(h: Harness): { calls: number } {
  const state = { calls: 0 };
  const store = h.gateways[0]!.deps.store;
  const original = store.findKeyByHash.bind(store);
  store.findKeyByHash = (hash: string) => {
    state.calls += 1;
    return original(hash);
  };
  return state;
}
