// Each HTTP check really fails when its condition is broken: CORS config, a stopped upstream, a wrong answer,
// a broken stream, a proxy that strips headers or rewrites errors, a larger body limit, a bad /health.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../test/support/harness.js';
import { runReadiness } from './runner.js';
import { probeOllamaReach } from '../control/health/ollama-reach.js';
import { planOllamaRoute } from '../stack/ollama-route.js';
import type { CheckResult, ReadinessOptions, StackProbe } from './types.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function harness(env: Record<string, string | number> = {}): Promise<Harness> {
  const h = await startHarness({ kind: 'embedded', env });
  cleanups.push(() => h.close());
  return h;
}

async function only(
  h: Harness | { url: string; adminToken: string },
  ids: string[],
  extra: Partial<ReadinessOptions> = {},
) {
  const report = await runReadiness({ url: h.url, adminToken: h.adminToken, only: ids, ...extra });
  return Object.fromEntries(report.results.map((r) => [r.id, r])) as Record<string, CheckResult>;
}

/** A server answering every request with `handler` (a stand-in for a misbehaving gateway or proxy). */
async function stub(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A reverse proxy to `target` that may edit answers (like a misconfigured Nginx). */
function proxy(target: string, edit: (status: number, headers: http.IncomingHttpHeaders) => void) {
  return stub((req, res) => {
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      const headers = { ...answer.headers };
      edit(answer.statusCode ?? 502, headers);
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
}

describe('checks fail when their condition is broken', () => {
  it('CORS: an origin the configuration does not allow fails both CORS checks', async () => {
    const h = await harness({ CORS_ORIGINS: 'https://other.example' });
    const r = await only(h, ['cors', 'cors-preflight']);
    expect(r.cors).toMatchObject({ status: 'fail' });
    expect(r.cors!.summary).toMatch(/no Access-Control-Allow-Origin/);
    expect(r.cors!.fix).toMatch(/CORS_ORIGINS/);
    expect(r['cors-preflight']).toMatchObject({ status: 'fail' });
    // ... and both pass for the allowed origin.
    const ok = await only(h, ['cors', 'cors-preflight'], { origin: 'https://other.example' });
    expect([ok.cors!.status, ok['cors-preflight']!.status]).toEqual(['pass', 'pass']);
  });

  it('CORS: a proxy that adds its own Access-Control-Allow-Origin (two values) fails', async () => {
    const h = await harness();
    const url = await proxy(h.url, (_s, headers) => {
      headers['access-control-allow-origin'] = [
        String(headers['access-control-allow-origin'] ?? '*'),
        '*',
      ] as unknown as string;
    });
    const r = await only({ url, adminToken: h.adminToken }, ['cors', 'cors-preflight']);
    expect(r.cors!.summary).toMatch(/2 Access-Control-Allow-Origin values/);
    expect(r.cors!.fix).toMatch(/Nginx/);
    expect(r['cors-preflight']!.status).toBe('fail');
  });

  it('on a stack, a failing model list says why Ollama is out of reach and the one fix (the reach diagnosis)', async () => {
    const h = await harness({ UPSTREAM_CONNECT_TIMEOUT_MS: 500, READY_TIMEOUT_MS: 500 });
    const deadUrl = h.upstream.url;
    await h.upstream.close();
    // The stack's probe, with the real diagnosis over real probes: nothing answers on the relay nor on "loopback".
    const route = planOllamaRoute({
      platform: 'linux',
      urls: 'http://host.docker.internal:11434',
      bridgeGateway: '172.17.0.1',
    });
    const deadRoute = { ...route, forwarder: { listen: deadUrl.replace('http://', ''), target: '127.0.0.1:11434' } };
    const stack: StackProbe = {
      containers: async () => [],
      stopReplica: async () => {},
      startReplica: async () => {},
      ollamaReach: () =>
        probeOllamaReach(deadRoute, [{ service: 'ollama-forwarder', state: 'running', health: 'healthy' }], {
          hostUrl: deadUrl,
        }),
    };
    const r = await only(h, ['models'], { stack });
    expect(r.models).toMatchObject({ status: 'fail', code: 'ollama_not_running' });
    expect(r.models!.summary).toMatch(/^GET \/v1\/models answered 503: Ollama is not running/);
    expect(r.models!.fix).toContain('ollama serve');
    expect(r.models!.details).toMatchObject({
      tried: expect.stringContaining(deadRoute.forwarder.listen),
      listens: expect.stringContaining('nothing answers'),
    });
  });

  it('a stopped upstream fails list models, chat, streaming and readiness', async () => {
    const h = await harness({ UPSTREAM_CONNECT_TIMEOUT_MS: 500, READY_TIMEOUT_MS: 500 });
    await h.upstream.close();
    const r = await only(h, ['models', 'chat', 'streaming', 'ready'], { model: 'llama3.2:1b' });
    expect(r.models).toMatchObject({ status: 'fail' });
    expect(r.models!.summary).toMatch(/503/);
    expect(r.models!.fix).toMatch(/Ollama/);
    expect(r.chat!.status).toBe('fail');
    expect(r.streaming!.status).toBe('fail');
    expect(r.ready!.status).toBe('fail');
    expect(r.ready!.summary).toMatch(/503 — upstreams/);
  });

  it('model quality: an answer without 4 fails the chat check, reported with its answer', async () => {
    const h = await harness();
    h.upstream.behaviour.chunks = 3; // "The answer is" — cut before the 4
    const r = await only(h, ['chat']);
    expect(r.chat).toMatchObject({ status: 'fail', code: 'model_quality' });
    expect(r.chat!.summary).toMatch(/answered "The answer is" — no 4/);
    expect(r.chat!.fix).toMatch(/--model/);
  });

  it('no chat model installed: chat fails with no_chat_model', async () => {
    const h = await harness();
    h.upstream.models = h.upstream.models.filter((m) => m.name.includes('embed'));
    const r = await only(h, ['chat']);
    expect(r.chat).toMatchObject({ status: 'fail', code: 'no_chat_model' });
  });

  it('streaming: malformed SSE from the upstream fails the streaming check', async () => {
    const h = await harness();
    h.upstream.behaviour.failWith = 'malformed-sse';
    const r = await only(h, ['streaming']);
    expect(r.streaming!.status).toBe('fail');
    expect(r.streaming!.summary).toMatch(/error event|no \[DONE\]/);
  });

  it('rate limiting: a proxy that strips retry-after fails the check, and its key is revoked anyway', async () => {
    const h = await harness();
    const url = await proxy(h.url, (_s, headers) => {
      delete headers['retry-after'];
    });
    const report = await runReadiness({ url, adminToken: h.adminToken, only: ['rate-limit'] });
    expect(report.results[0]).toMatchObject({ status: 'fail' });
    expect(report.results[0]!.summary).toMatch(/retry-after/);
    expect(report.cleanup).toEqual({ keysCreated: 2, keysRevoked: 2 }); // the run key (model choice) + the RPM-1 key
  });

  it('request size: a gateway with a larger body limit than expected fails the 413 check', async () => {
    const h = await harness({ MAX_BODY_BYTES: 4 * 1024 * 1024 });
    const r = await only(h, ['request-size']);
    expect(r['request-size']).toMatchObject({ status: 'fail' });
    expect(r['request-size']!.summary).toMatch(/not 413/);
    const ok = await only(h, ['request-size'], { maxBodyBytes: 4 * 1024 * 1024 });
    expect(ok['request-size']!.status).toBe('pass');
  });

  it('invalid key: 200 for a bad key, or 401 without the envelope, fails', async () => {
    const open = await stub((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}'),
    );
    expect((await only({ url: open, adminToken: '' }, ['invalid-key']))['invalid-key']!.summary).toMatch(
      /got 200, not 401/,
    );
    const plain = await stub((_req, res) =>
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"detail":"Unauthorized"}'),
    );
    const r = await only({ url: plain, adminToken: '' }, ['invalid-key']);
    expect(r['invalid-key']).toMatchObject({ status: 'fail' });
    expect(r['invalid-key']!.summary).toMatch(/without OpenAI's envelope/);
  });

  it('health: a /health without status ok, timestamp and uptime fails', async () => {
    const url = await stub((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"degraded"}'),
    );
    const r = await only({ url, adminToken: '' }, ['health', 'services']);
    expect(r.health!.status).toBe('fail');
    expect(r.health!.summary).toMatch(/"degraded", not "ok".*timestamp.*uptime/);
    expect(r.services!.status).toBe('pass'); // it answers: the process is up
    const down = await only({ url: 'http://127.0.0.1:9', adminToken: '' }, ['services']);
    expect(down.services).toMatchObject({ status: 'fail', code: 'unreachable' });
  });

  it('readiness: a 503 names the failing dependency', async () => {
    const url = await stub((_req, res) =>
      res.writeHead(503, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          status: 'unavailable',
          failing: ['store'],
          checks: { store: { ok: false, error: 'ECONNREFUSED' } },
        }),
      ),
    );
    const r = await only({ url, adminToken: '' }, ['ready']);
    expect(r.ready).toMatchObject({ status: 'fail' });
    expect(r.ready!.summary).toMatch(/503 — store: ECONNREFUSED/);
  });

  it('a wrong admin token is reported with admin_refused', async () => {
    const h = await harness();
    const r = await only({ url: h.url, adminToken: 'wrong-token-wrong-token' }, ['models']);
    expect(r.models).toMatchObject({ status: 'fail', code: 'admin_refused' });
  });
});
