// Several Ollama hosts, routed like a scheduler would, against real test upstreams on loopback (port 0): a request
// goes to the host that has its model loaded (/api/ps), spills over to the next host when that one is saturated
// (UPSTREAM_NUM_PARALLEL) or answers 503 "server busy" (charged once), recovers when a host dies and comes back,
// passes the client's keep_alive through, and the loaded models are shared between replicas through Redis.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import type { UpstreamView } from '../../gateway/src/upstream/pool.js';

const MODEL = 'llama3.2:1b';
const CHAT = 'POST /v1/chat/completions';

let hosts: OllamaUpstream[] = [];
let harness: Harness | undefined;

beforeEach(async () => {
  hosts = [await startOllamaUpstream(), await startOllamaUpstream()];
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await Promise.all(hosts.map((host) => host.close()));
});

const chat = (url: string, key: string, extra: Record<string, unknown> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });

/** Loads the model on one host directly, as if another client had used it there. */
async function warm(host: OllamaUpstream): Promise<void> {
  const res = await fetch(`${host.url}/api/generate`, {
    method: 'POST',
    body: JSON.stringify({ model: MODEL, keep_alive: '10m' }),
  });
  expect(res.status).toBe(200);
  host.reset();
}

async function views(h: Harness, gateway = 0): Promise<UpstreamView[]> {
  const res = await fetch(`${h.gateways[gateway]!.url}/admin/upstreams`, {
    headers: { authorization: `Bearer ${h.adminToken}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: UpstreamView[] }).data;
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const loadedOn = async (h: Harness, index: number, gateway = 0) =>
  (await views(h, gateway))[index]!.loaded.some((model) => model.name === MODEL);

async function start(env: Record<string, string | number> = {}, kind: Harness['kind'] = 'embedded') {
  harness = await startHarness({
    kind,
    upstream: hosts[0]!,
    env: {
      OLLAMA_URLS: hosts.map((host) => host.url).join(','),
      UPSTREAM_PS_INTERVAL_MS: 500,
      UPSTREAM_HEALTH_INTERVAL_MS: 200,
      ...env,
    },
  });
  const { key } = await harness.createKey({ rpm: 10_000 });
  return { h: harness, key };
}

describe('several Ollama hosts', () => {
  it('sends a model to the host that has it loaded, not to the idle cold one', async () => {
    await warm(hosts[1]!);
    const { h, key } = await start();
    await until(() => loadedOn(h, 1), 'host 2 listed as warm');
    expect(await loadedOn(h, 0)).toBe(false);
    for (let i = 0; i < 6; i += 1) expect((await chat(h.url, key)).status).toBe(200);
    expect(hosts[0]!.stats.requests[CHAT] ?? 0).toBe(0);
    expect(hosts[1]!.stats.requests[CHAT]).toBe(6);
  });

  it('spills over to the next host when the warm one is saturated, which is then warm too', async () => {
    await warm(hosts[1]!);
    for (const host of hosts) host.behaviour.firstByteDelayMs = 300;
    const { h, key } = await start({ UPSTREAM_NUM_PARALLEL: 2 });
    await until(() => loadedOn(h, 1), 'host 2 listed as warm');
    const answers = await Promise.all(Array.from({ length: 4 }, () => chat(h.url, key)));
    for (const res of answers) expect(res.status).toBe(200);
    expect(hosts[1]!.stats.requests[CHAT]).toBe(2);
    expect(hosts[0]!.stats.requests[CHAT]).toBe(2);
    const [first, second] = await views(h);
    expect(first!.loaded.map((model) => model.name)).toEqual([MODEL]);
    expect(second!.parallel).toBe(2);
  });

  it("tries the next host when one answers Ollama's 503 server busy, and charges the client once", async () => {
    await warm(hosts[1]!);
    Object.assign(hosts[1]!.behaviour, { numParallel: 1, maxQueue: 0, firstByteDelayMs: 300 });
    const { h } = await start();
    const { key } = await h.createKey({ rpm: 2 });
    await until(() => loadedOn(h, 1), 'host 2 listed as warm');
    const answers = await Promise.all([chat(h.url, key), chat(h.url, key)]);
    for (const res of answers) expect(res.status).toBe(200);
    expect(hosts[1]!.stats.refusedBusy).toBe(1);
    expect(hosts[1]!.stats.requests[CHAT]).toBe(2); // one answered, one refused
    expect(hosts[0]!.stats.requests[CHAT]).toBe(1); // the refused one, retried
    // Two requests, two admissions: the rpm of 2 is spent, the next one is refused; two usage rows.
    expect((await chat(h.url, key)).status).toBe(429);
    const rows = (await h.usageRows()).filter((row) => row.status === 200);
    expect(rows).toHaveLength(2);
  });

  it('answers the 503 when every host is busy', async () => {
    for (const host of hosts) Object.assign(host.behaviour, { numParallel: 1, maxQueue: 0, firstByteDelayMs: 300 });
    const { h, key } = await start();
    const answers = await Promise.all(Array.from({ length: 3 }, () => chat(h.url, key)));
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([200, 200, 503]);
    const refused = answers.find((res) => res.status === 503)!;
    const body = (await refused.json()) as { error: { message: string } };
    expect(body.error.message).toContain('server busy, please try again.  maximum pending requests exceeded');
  });

  it("keeps Ollama's 503 rather than retrying it on a host that is down", async () => {
    Object.assign(hosts[0]!.behaviour, { numParallel: 1, maxQueue: 0, firstByteDelayMs: 300 });
    const { h, key } = await start();
    expect((await chat(h.url, key)).status).toBe(200); // the model list names both hosts
    await hosts[1]!.close();
    await until(async () => !(await views(h))[1]!.healthy, 'host 2 marked unreachable');
    const answers = await Promise.all([chat(h.url, key), chat(h.url, key)]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 503]);
    const refused = answers.find((res) => res.status === 503)!;
    const { message } = ((await refused.json()) as { error: { message: string } }).error;
    expect(message).toContain('server busy');
    expect(message).not.toContain('ECONNREFUSED');
  });

  it('moves to the other host when the warm one dies, and uses it again when it returns', async () => {
    await warm(hosts[1]!);
    const { h, key } = await start({ UPSTREAM_NUM_PARALLEL: 1 });
    await until(() => loadedOn(h, 1), 'host 2 listed as warm');
    expect((await chat(h.url, key)).status).toBe(200);
    expect(hosts[1]!.stats.requests[CHAT]).toBe(1);
    const port = hosts[1]!.port;
    await hosts[1]!.close();
    for (let i = 0; i < 3; i += 1) expect((await chat(h.url, key)).status).toBe(200);
    expect(hosts[0]!.stats.requests[CHAT]).toBe(3);
    await until(async () => !(await views(h))[1]!.healthy, 'host 2 marked unreachable');

    hosts[1] = await startOllamaUpstream({ port });
    await until(async () => (await views(h))[1]!.healthy, 'host 2 healthy again');
    for (const host of hosts) host.behaviour.firstByteDelayMs = 300;
    // Host 1 is warm now and takes one request (its hint); the second spills over to the host that came back.
    const answers = await Promise.all([chat(h.url, key), chat(h.url, key)]);
    for (const res of answers) expect(res.status).toBe(200);
    expect(hosts[1]!.stats.requests[CHAT]).toBe(1);
  });

  it("passes the client's keep_alive through to the host that runs the request", async () => {
    const { h, key } = await start();
    const res = await fetch(`${h.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content: 'hi' }],
        stream: false,
        keep_alive: '2h',
      }),
    });
    expect(res.status).toBe(200);
    const host = hosts.find((candidate) => (candidate.stats.requests['POST /api/chat'] ?? 0) > 0)!;
    expect(host.stats.lastBodies.at(-1)!.body).toMatchObject({ keep_alive: '2h' });
    const index = hosts.indexOf(host);
    await until(async () => {
      const model = (await views(h))[index]!.loaded.find((entry) => entry.name === MODEL);
      return model !== undefined && Date.parse(model.expiresAt) - Date.now() > 119 * 60_000;
    }, "the host's /api/ps expiry of 2 h");
  });
});

describe('several Ollama hosts, several replicas', () => {
  it('shares the loaded models between replicas through Redis', async () => {
    await warm(hosts[1]!);
    const { h } = await start({ UPSTREAM_PS_INTERVAL_MS: 60_000 }, 'pg+redis');
    await until(() => loadedOn(h, 1), 'host 2 listed as warm on replica 1');
    // Replica 2 cannot read /api/ps itself: what it knows came from replica 1 through the shared cache.
    for (const host of hosts) {
      Object.assign(host.behaviour, { failWith: 'http500', injectOn: ['/api/ps'] });
      host.reset();
    }
    await h.addGateway();
    await until(() => loadedOn(h, 1, 1), 'host 2 listed as warm on replica 2');
    expect(hosts[1]!.stats.requests['GET /api/ps'] ?? 0).toBe(0);
  });
});
