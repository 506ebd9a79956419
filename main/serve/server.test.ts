// The serve mode's HTTP bridge against a real control plane (embedded, no Docker, gateway not started): the token
// is required and compared, Host and Origin are checked, operations round-trip as BridgeResults with typed errors,
// events arrive over SSE, and only the dashboard's own files are served.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../control/api.js';
import { startServe, type ServeHandle } from './server.js';
import { TOKEN_HEADER } from './token.js';

let home: string;
let dist: string;
let plane: ControlPlane;
let serve: ServeHandle;

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-serve-'));
  dist = path.join(home, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>dash</title>');
  writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({ version: 2, mode: 'embedded', ollamaUrl: 'http://127.0.0.1:9', ports: { gateway: 3999 } }),
  );
  plane = createControlPlane({
    home,
    stack: null,
    embeddedPort: 0,
    logLevel: 'silent',
    health: { intervalMs: 60_000, fastIntervalMs: 60_000 },
  });
  await plane.init();
  serve = await startServe({ plane, port: 0, distDir: dist });
});

afterAll(async () => {
  await serve?.close();
  await plane?.close();
  rmSync(home, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw node:http (fetch would not let us set Host). */
function call(
  pathname: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${serve.url}${pathname}`,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const op = (name: string, input?: unknown, headers: Record<string, string> = {}) =>
  call(`/api/op/${name}`, {
    method: 'POST',
    headers: { [TOKEN_HEADER]: serve.token, 'content-type': 'application/json', ...headers },
    body: input === undefined ? '' : JSON.stringify(input),
  });

describe('serve: access control', () => {
  it('prints a URL with the token in the fragment and binds loopback', () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.dashboardUrl).toBe(`${serve.url}/#token=${serve.token}`);
    expect(serve.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses API calls without the token (401, typed error with a hint)', async () => {
    const res = await call('/api/op/state.get', { method: 'POST' });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({
      ok: false,
      error: {
        code: 'forbidden_sender',
        hint: expect.stringContaining('#token='),
        detail: { serveCode: 'token_missing' },
      },
    });
  });

  it('refuses a wrong token with 401, also on the event stream', async () => {
    const res = await op('state.get', undefined, { [TOKEN_HEADER]: 'x'.repeat(43) });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body).error.detail.serveCode).toBe('token_wrong');
    const events = await call('/api/events', { headers: { [TOKEN_HEADER]: `${serve.token}x` } });
    expect(events.status).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding) even with the token, and for static files', async () => {
    const res = await op('state.get', undefined, { host: `attacker.example:${serve.port}` });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.detail.serveCode).toBe('bad_host');
    expect((await call('/', { headers: { host: 'attacker.example' } })).status).toBe(403);
    expect((await op('state.get', undefined, { host: `localhost:${serve.port}` })).status).toBe(200);
  });

  it('refuses cross-origin calls; accepts the same origin', async () => {
    const cross = await op('state.get', undefined, { origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    expect(JSON.parse(cross.body).error.detail.serveCode).toBe('bad_origin');
    const site = await op('state.get', undefined, { 'sec-fetch-site': 'cross-site' });
    expect(site.status).toBe(403);
    const same = await op('state.get', undefined, { origin: serve.url, 'sec-fetch-site': 'same-origin' });
    expect(same.status).toBe(200);
  });
});

describe('serve: the HTTP bridge', () => {
  it('round-trips an operation as a BridgeResult', async () => {
    const res = await op('state.get');
    expect(res.status).toBe(200);
    const result = JSON.parse(res.body);
    expect(result).toMatchObject({
      ok: true,
      value: { mode: 'embedded', gatewayUrl: null, settings: { ports: { gateway: 3999 } } },
    });
  });

  it('carries typed control-plane errors intact (code, message, hint)', async () => {
    const stopped = JSON.parse((await op('keys.create', { name: 'x' })).body);
    expect(stopped).toMatchObject({
      ok: false,
      error: { code: 'gateway_unreachable', hint: expect.stringContaining('Start') },
    });
    const bad = JSON.parse((await op('keys.create', { name: '' })).body);
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringContaining('name') },
    });
    const unknown = JSON.parse((await op('nope.nothing')).body);
    expect(unknown.error.code).toBe('unknown_operation');
  });

  it('answers bad JSON and wrong methods with coded errors', async () => {
    const res = await call('/api/op/state.get', {
      method: 'POST',
      headers: { [TOKEN_HEADER]: serve.token },
      body: '{nope',
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.detail.serveCode).toBe('bad_json');
    const get = await call('/api/op/state.get', { headers: { [TOKEN_HEADER]: serve.token } });
    expect(get.status).toBe(405);
  });

  it('streams control-plane events over SSE', async () => {
    const controller = new AbortController();
    const res = await fetch(`${serve.url}/api/events`, {
      headers: { [TOKEN_HEADER]: serve.token },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const first = await reader.read(); // ": connected" — the subscription is live from here
    text += decoder.decode(first.value);
    expect((await op('settings.update', { maxParallelPulls: 3 })).status).toBe(200);
    while (!text.includes('settings-changed')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    controller.abort();
    expect(text).toMatch(/data: \{"type":"settings-changed"\}/);
  });
});

describe('serve: the dashboard files', () => {
  it('serves index.html with a strict CSP that allows the gateway for the Playground', async () => {
    const res = await call('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:3999 http://localhost:3999");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('serves assets and nothing outside the build folder', async () => {
    expect((await call('/assets/app.js')).status).toBe(200);
    expect((await call('/../settings.json')).status).toBe(404);
    expect((await call('/%2e%2e/settings.json')).status).toBe(404);
    expect((await call('/nope.js')).status).toBe(404);
  });

  it('answers without Express headers (no x-powered-by, no ETag), the security headers on every answer', async () => {
    for (const res of [await call('/'), await call('/nope.js'), await op('state.get')]) {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers.etag).toBeUndefined();
      expect(String(res.headers['content-security-policy'])).toContain("default-src 'none'");
    }
  });

  it('answers a path that is not percent-encoding with a 404, under /api as a BridgeResult', async () => {
    expect((await call('/%zz')).status).toBe(404);
    const api = await call('/api/op/%zz', { method: 'POST', headers: { [TOKEN_HEADER]: serve.token } });
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body)).toMatchObject({ ok: false });
  });
});
