// Issue 14: in stack mode the control plane sends the admin token only to a stack the Engine reports running. With
// the stack stopped and some other program listening on the gateway port, an admin call fails with a typed error and
// the listener never sees an Authorization header; once the Engine reports nginx and the replicas running, the same
// call goes out with the token.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ControlError } from './errors.js';
import { EventBus } from './events.js';
import type { Vault } from './keys/vault.js';
import { OllamaClient } from './models/ollama-client.js';
import { Runtime } from './runtime.js';
import { defaultSettings } from './settings/schema.js';
import type { StackPort } from './stack-port.js';
import type { ContainerView } from './health/aggregate.js';

const TOKEN = 'stack-admin-token-0123456789abcdef';
const seen: Array<string | undefined> = [];
let listener: http.Server;
let port: number;

beforeAll(async () => {
  // Stands in for whatever holds the port while the stack is down: records what reaches it, answers like the gateway.
  listener = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

function memoryVault(): Vault {
  const entries = new Map<string, string>();
  return {
    kind: 'file',
    warnings: [],
    get: async (name) => entries.get(name),
    set: async (name, value) => void entries.set(name, value),
    delete: async (name) => entries.delete(name),
    list: async () => [...entries.keys()].map((name) => ({ name, label: name, createdAt: new Date(0).toISOString() })),
  };
}

function runtimeWith(containers: () => Promise<ContainerView[]>): Runtime {
  const stack: StackPort = {
    containers,
    start: async () => undefined,
    stop: async () => undefined,
    env: () => ({ ADMIN_TOKEN: TOKEN }),
    probe: () => ({ containers: async () => [], stopReplica: async () => {}, startReplica: async () => {} }),
  };
  const settings = { ...defaultSettings(), mode: 'stack' as const };
  settings.ports = { ...settings.ports, gateway: port };
  return new Runtime({
    home: '/nonexistent',
    vault: memoryVault(),
    bus: new EventBus(),
    ollama: new OllamaClient('http://127.0.0.1:9'),
    settings: () => settings,
    stack,
    docker: async () => true,
    health: { intervalMs: 600_000, fastIntervalMs: 600_000 },
  });
}

const container = (service: string, state: string): ContainerView => ({
  name: `llmgw-${service}-1`,
  service,
  replica: 1,
  state,
  health: 'none',
});

it('refuses admin calls while the Engine reports the stack stopped: the port hears no token', async () => {
  const runtime = runtimeWith(async () => [container('nginx', 'exited'), container('api-gateway', 'exited')]);
  try {
    await runtime.choose();
    expect(runtime.mode).toBe('stack');
    const refused = await runtime.admin().then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(ControlError);
    expect((refused as ControlError).code).toBe('stack_not_running');
    expect((refused as ControlError).message).toContain('nginx or api-gateway');
    expect(seen.filter((auth) => auth !== undefined)).toEqual([]);
  } finally {
    runtime.monitor.stop();
  }
});

it('refuses when Docker does not answer (the stack cannot be verified)', async () => {
  const runtime = runtimeWith(async () => {
    throw new Error('connect ENOENT /var/run/docker.sock');
  });
  try {
    await runtime.choose();
    await expect(runtime.admin()).rejects.toMatchObject({ code: 'no_engine' });
    expect(seen.filter((auth) => auth !== undefined)).toEqual([]);
  } finally {
    runtime.monitor.stop();
  }
});

it('sends the token once nginx and the replicas run', async () => {
  const runtime = runtimeWith(async () => [container('nginx', 'running'), container('api-gateway', 'running')]);
  try {
    await runtime.choose();
    expect(await (await runtime.admin()).list()).toEqual([]);
    expect(seen).toContain(`Bearer ${TOKEN}`);
  } finally {
    runtime.monitor.stop();
  }
});
