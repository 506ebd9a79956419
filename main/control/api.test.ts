// The api object end to end in embedded mode (no Docker): the in-process gateway serves /health, a key created
// through the api works for a chat, pulls refresh /v1/models, the readiness suite runs; inputs are validated and
// failures come back as typed, serialisable ControlErrors.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../../test/fixtures/ollama-upstream/index.js';
import { createControlPlane, type ControlPlane } from './api.js';
import { isBridgeResult, unwrap } from './bridge.js';
import { ControlError } from './errors.js';
import type { ControlEvent } from './events.js';

let upstream: OllamaUpstream;
let home: string;
let plane: ControlPlane;
const events: ControlEvent[] = [];

beforeAll(async () => {
  upstream = await startOllamaUpstream();
  home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-home-'));
  mkdirSync(home, { recursive: true });
  writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({ version: 2, mode: 'auto', ollamaUrl: upstream.url }),
  );
  plane = createControlPlane({
    home,
    stack: null, // no Docker here: auto resolves to embedded
    embeddedPort: 0,
    logLevel: 'silent',
    health: { intervalMs: 60_000, fastIntervalMs: 60_000 },
    pullProgressIntervalMs: 0,
  });
  plane.events.on((e) => events.push(e));
  await plane.init();
});

afterAll(async () => {
  await plane?.close();
  await upstream?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('control plane in embedded mode', () => {
  it('starts stopped in embedded mode with Ollama models listed', async () => {
    const state = await plane.api['state.get']();
    expect(state.mode).toBe('embedded');
    expect(state.health.status).toBe('stopped');
    expect(state.gatewayUrl).toBeNull();
    expect(state.installed?.map((m) => m.name)).toContain('llama3.2:1b');
  });

  it('refuses key operations while the gateway is stopped, as a typed error', async () => {
    const result = await plane.call('keys.create', { name: 'early' });
    expect(result).toMatchObject({ ok: false, error: { code: 'gateway_unreachable', hint: expect.any(String) } });
  });

  it('starts the embedded gateway: /health answers, health turns healthy, the admin token sits in the vault', async () => {
    const state = await plane.api['gateway.start']();
    expect(state.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${state.gatewayUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect((await plane.api['health.refresh']()).status).toBe('healthy');
    expect(events.some((e) => e.type === 'status' && e.health.status === 'healthy')).toBe(true);
    expect(statSync(path.join(home, 'embedded.db')).isFile()).toBe(true);
    if (process.platform !== 'win32') expect(statSync(path.join(home, 'vault.json')).mode & 0o777).toBe(0o600);
  });

  it('creates a key through the api, keeps its plaintext in the vault, and the key chats through the gateway', async () => {
    const created = await plane.api['keys.create']({ name: 'my-app', rpm: 100 });
    expect(created.key).toMatch(/^llmgw_[0-9a-f]{64}$/);
    expect(created.tpm).toBe(100_000); // the settings' default limit
    expect(events.some((e) => e.type === 'keys-changed')).toBe(true);
    expect(plane.state().vaultKeys).toEqual([{ id: created.id, name: 'my-app' }]);
    expect((await plane.api['keys.reveal']({ id: created.id })).key).toBe(created.key);
    const listed = await plane.api['keys.list']();
    expect(listed.find((k) => k.id === created.id)).toMatchObject({ inVault: true, status: 'active' });

    const url = plane.state().gatewayUrl!;
    const chat = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'What is 2+2?' }] }),
    });
    expect(chat.status).toBe(200);
    const body = (await chat.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toMatch(/4/);

    const rotated = await plane.api['keys.rotate']({ id: created.id, graceHours: 0 });
    expect(plane.state().vaultKeys).toEqual([{ id: rotated.id, name: 'my-app' }]);
    await plane.api['keys.revoke']({ id: rotated.id });
    await expect(plane.api['keys.reveal']({ id: rotated.id })).rejects.toMatchObject({ code: 'key_not_in_vault' });
    const after = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${rotated.key}` } });
    expect(after.status).toBe(401);
  });

  it('creates a key with an IP allow-list and changes it in place (keys.setAllowedIps); bad rules are refused', async () => {
    const created = await plane.api['keys.create']({ name: 'ip-bound', allowedIps: ['127.0.0.2'] });
    expect(created.allowed_ips).toEqual(['127.0.0.2']);
    const url = plane.state().gatewayUrl!;
    // fetch connects from 127.0.0.1: not on the list.
    const refused = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${created.key}` } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ip_not_allowed');
    const updated = await plane.api['keys.setAllowedIps']({ id: created.id, allowedIps: ['127.0.0.0/8', '::1'] });
    expect(updated.allowed_ips).toEqual(['127.0.0.0/8', '::1']);
    const allowed = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${created.key}` } });
    expect(allowed.status).toBe(200);
    expect((await plane.api['keys.list']()).find((k) => k.id === created.id)?.allowed_ips).toEqual([
      '127.0.0.0/8',
      '::1',
    ]);
    expect(await plane.call('keys.setAllowedIps', { id: created.id, allowedIps: ['10.0.0.0/99'] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(await plane.call('keys.create', { name: 'x', allowedIps: ['not-an-ip'] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    await plane.api['keys.revoke']({ id: created.id });
  });

  it('creates a key whose deterministic requests the gateway answers from its response cache (keys.create cache)', async () => {
    const created = await plane.api['keys.create']({ name: 'cached', cache: true });
    expect(created.cache).toBe(true);
    expect((await plane.api['keys.list']()).find((k) => k.id === created.id)?.cache).toBe(true);
    const ask = () =>
      fetch(`${plane.state().gatewayUrl!}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: upstream.models[0]!.name,
          messages: [{ role: 'user', content: 'cached through the control plane?' }],
          temperature: 0,
        }),
      });
    expect((await ask()).headers.get('x-cache')).toBe('miss');
    expect((await ask()).headers.get('x-cache')).toBe('hit');
    expect(await plane.call('keys.create', { name: 'x', cache: 'yes' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    await plane.api['keys.revoke']({ id: created.id });
  });

  it("pulls a model with progress events and the gateway's /v1/models shows it at once", async () => {
    const { key } = await plane.api['keys.create']({ name: 'models-check' });
    const url = plane.state().gatewayUrl!;
    const ids = async () =>
      (
        (await (await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
          data: Array<{ id: string }>;
        }
      ).data.map((m) => m.id);
    expect(await ids()).not.toContain('llama3.2:3b'); // now cached by the gateway
    const started = await plane.api['models.pull']({ name: 'ollama pull llama3.2:3b' });
    expect(started.name).toBe('llama3.2:3b');
    await expect(plane.api['models.pull']({ name: 'llama3.2:3b' })).rejects.toMatchObject({ code: 'pull_in_progress' });
    const changed = new Promise<void>((resolve) => {
      const off = plane.events.on((e) => {
        if (e.type === 'models-changed') {
          off();
          resolve();
        }
      });
    });
    await changed;
    expect(events.some((e) => e.type === 'pull-progress' && e.pull.phase === 'done' && e.pull.percent === 100)).toBe(
      true,
    );
    expect(plane.state().installed?.map((m) => m.name)).toContain('llama3.2:3b');
    expect(await ids()).toContain('llama3.2:3b');

    await plane.api['models.delete']({ name: 'llama3.2:3b' });
    expect(await ids()).not.toContain('llama3.2:3b');
  });

  it('runs readiness checks against the embedded gateway with progress events', async () => {
    const report = await plane.api['readiness.run']({ only: ['health', 'ready', 'models', 'chat'] });
    expect(Object.fromEntries(report.results.map((r) => [r.id, r.status]))).toEqual({
      health: 'pass',
      ready: 'pass',
      models: 'pass',
      chat: 'pass',
    });
    expect(report.ok).toBe(true);
    expect(events.filter((e) => e.type === 'readiness-progress').length).toBeGreaterThanOrEqual(6);
    expect(plane.state().readiness.last).toMatchObject({ ok: true, passed: 4 });
  });

  it('stops the embedded gateway', async () => {
    const url = plane.state().gatewayUrl!;
    const state = await plane.api['gateway.stop']();
    expect(state.health.status).toBe('stopped');
    expect(state.gatewayUrl).toBeNull();
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});

describe('api input validation and typed errors', () => {
  it.each([
    ['keys.create', { name: '' }, /name: a key needs a name/],
    ['keys.create', { name: 'x', rpm: -1 }, /rpm/],
    ['keys.create', { name: 'x', surprise: true }, /surprise|unrecognized/i],
    ['keys.revoke', {}, /id/],
    ['models.pull', { name: 42 }, /name/],
    ['settings.update', { mode: 'cloud' }, /mode/],
    ['settings.update', { ports: { gateway: 70000 } }, /ports\.gateway/],
    ['state.get', { extra: 1 }, /state\.get/],
  ])('%s %j → invalid_input', async (op, input, message) => {
    const result = await plane.call(op, input);
    expect(isBridgeResult(result)).toBe(true);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringMatching(message), hint: expect.any(String) },
    });
  });

  it('refuses unknown operations, including prototype names', async () => {
    for (const op of ['keys.drop', '__proto__', 'constructor', 'toString']) {
      expect(await plane.call(op, {})).toMatchObject({ ok: false, error: { code: 'unknown_operation' } });
    }
  });

  it('errors survive JSON (what IPC and HTTP do to them) and come back as ControlError', async () => {
    const result = JSON.parse(JSON.stringify(await plane.call('models.pull', { name: 'ollama list' })));
    expect(() => unwrap(result)).toThrow(ControlError);
    try {
      unwrap(result);
    } catch (err) {
      expect(err).toMatchObject({ code: 'bad_model_name', hint: expect.stringMatching(/ollama pull NAME/) });
    }
    await expect(plane.api['models.cancelPull']({ name: 'nothing:1b' })).rejects.toBeInstanceOf(ControlError);
  });

  it('updates settings (validated, persisted) and emits settings-changed', async () => {
    const next = await plane.api['settings.update']({ defaultLimits: { rpm: 30 }, startAtLogin: true });
    expect(next.defaultLimits).toEqual({ rpm: 30, tpm: 100_000 });
    expect(events.some((e) => e.type === 'settings-changed')).toBe(true);
    const again = createControlPlane({ home, stack: null, logLevel: 'silent' });
    expect((await again.api['settings.get']()).startAtLogin).toBe(true);
  });
  it("runs the doctor with the app's settings: Ollama at the settings' URL, the data folder, a 0644 secret named", async () => {
    const vault = path.join(home, 'vault.json');
    const before = statSync(vault).mode;
    chmodSync(vault, 0o644);
    try {
      const report = await plane.api['doctor.run']();
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      expect(byId['ollama.host']).toMatchObject({ ok: true, detail: expect.stringContaining(upstream.url) });
      expect(byId['ollama.models']).toMatchObject({ ok: true, detail: expect.stringContaining('llama3.2:1b') });
      expect(byId['files.secrets']).toMatchObject({ ok: false, fix: `Run \`chmod 600 '${vault}'\`.` });
      expect(byId['database.embedded']).toMatchObject({ ok: true, detail: expect.stringContaining('(current)') });
      expect(report.ok).toBe(false);
    } finally {
      chmodSync(vault, before);
    }
  });
});
