// The Compose stack end to end: the controller brings up nginx → 3 gateways → Postgres + Redis on the real
// Docker Engine (local images), with the Ollama-compatible test upstream on the host as a stock Ollama: bound to
// 127.0.0.1:11434 only, `up` with no OLLAMA_URLS — the replicas reach it through the ollama-forwarder.
// Scenarios run in order on one stack; afterAll removes the stack and its volumes whatever happened.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import OpenAI from 'openai';
import pg from 'pg';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthMonitor, type StackView } from '../../main/control/health/monitor.js';
import type { HealthSnapshot } from '../../main/control/health/aggregate.js';
import { stackPortOf } from '../../main/control/stack-port.js';
import { StackController, type ControllerEvent } from '../../main/stack/controller.js';
import type { StackEvent } from '../../main/stack/events.js';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { probeOllamaReach } from '../../main/control/health/ollama-reach.js';
import {
  BASE,
  bridgeGatewayIp,
  header,
  load,
  request,
  sleep,
  stockOllamaEnv,
  waitFor,
  type RawResponse,
} from './support.js';

const PROJECT = 'llm-gateway';
let home: string;
let upstream: OllamaUpstream;
let controller: StackController;
let docker: Docker;
let adminToken: string;
let model: string;
const progress: ControllerEvent[] = [];
const engineEvents: StackEvent[] = [];
let closeEvents: (() => void) | undefined;
const createdByTest: string[] = []; // container ids this file created outside compose (removed in afterAll)

const admin = (method: string, urlPath: string, body?: unknown) =>
  request(method, urlPath, { headers: { authorization: `Bearer ${adminToken}` }, body });

async function createKey(
  name: string,
  limits: { rpm?: number; tpm?: number } = {},
): Promise<{ id: string; key: string }> {
  // The load tests hold more requests in flight than the default per-key concurrency cap: lift it.
  const res = await admin('POST', '/admin/keys', { name, max_concurrent: 10_000, ...limits });
  expect(res.status, res.body).toBe(201);
  const created = JSON.parse(res.body) as { id: string; key: string };
  expect(created.key).toMatch(/^llmgw_[0-9a-f]{64}$/);
  return created;
}

const withKey = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });

async function replicaIds(): Promise<string[]> {
  return (await controller.containers())
    .filter((c) => c.service === 'api-gateway' && c.state === 'running')
    .map((c) => c.id);
}

/** x-instance values seen over n requests (the gateway's INSTANCE_ID is its hostname = container id). */
async function instancesSeen(
  n: number,
  path = '/health',
  headers: Record<string, string> = {},
): Promise<{ seen: Set<string>; statuses: number[] }> {
  const seen = new Set<string>();
  const statuses: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const res = await request('GET', path, { headers });
    statuses.push(res.status);
    const instance = header(res, 'x-instance');
    if (instance) seen.add(instance);
  }
  return { seen, statuses };
}

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-e2e-home-'));
  controller = new StackController({
    env: { ...process.env, LLMGW_HOME: home },
    onEvent: (event) => progress.push(event),
  });
  docker = await controller.docker();
  if ((await controller.containers()).length > 0) {
    throw new Error(
      `A '${PROJECT}' stack already exists on this engine; the e2e will not touch it. Remove it yourself (llm-gateway down) and rerun.`,
    );
  }
  // As a stock Ollama: loopback only, its default port; the stack gets no OLLAMA_URLS (the user set nothing).
  upstream = await startOllamaUpstream({ host: '127.0.0.1', port: 11434 });
  model = upstream.models[0]!.name;
  controller = new StackController({
    env: { ...stockOllamaEnv(process.env), LLMGW_HOME: home, LOG_LEVEL: 'warn' },
    onEvent: (event) => progress.push(event),
  });
  const subscription = await controller.events((event) => engineEvents.push(event));
  closeEvents = () => subscription.close();
}, 120_000);

afterAll(async () => {
  closeEvents?.();
  for (const id of createdByTest)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => {});
  // Only our project: compose removes exactly the containers, network and volumes labelled llm-gateway.
  if (controller) await controller.down({ volumes: true }).catch((err: unknown) => console.error('e2e teardown:', err));
  await upstream?.close();
  if (home) rmSync(home, { recursive: true, force: true });
}, 300_000);

describe('the llm-gateway Compose stack', () => {
  it('1. comes up through the controller: all containers healthy, compose names and labels', async () => {
    const started = Date.now();
    const status = await controller.up();
    console.log(`e2e: up took ${Math.round((Date.now() - started) / 1000)} s`);
    expect(status.state).toBe('running');
    expect(status.containers.map((c) => `${c.service}#${c.replica}`).sort()).toEqual([
      'api-gateway#1',
      'api-gateway#2',
      'api-gateway#3',
      'nginx#1',
      'ollama-forwarder#1',
      'postgres#1',
      'redis#1',
    ]);
    // The forwarder binds the bridge address (where host.docker.internal points) and nothing else.
    const bridge = await bridgeGatewayIp(docker);
    expect(status.ollama?.forwarder).toEqual({ listen: `${bridge}:11434`, target: '127.0.0.1:11434' });
    expect(progress).toContainEqual(
      expect.objectContaining({ type: 'step', step: 'ollama', text: expect.stringContaining('Ollama forwarder on') }),
    );
    expect(await probeOllamaReach(status.ollama!, status.containers)).toMatchObject({ ok: true });
    const forwarderLog = execFileSync('docker', ['logs', 'llm-gateway-ollama-forwarder'], { encoding: 'utf8' });
    expect(forwarderLog).toContain(`forwarding ${bridge}:11434 -> 127.0.0.1:11434`);
    // Tunables the environment did not set stay unset, so the gateway's own defaults apply in the stack.
    expect(
      execFileSync(
        'docker',
        ['exec', 'llm-gateway-api-gateway-1', 'sh', '-c', 'printenv UPSTREAM_FIRST_BYTE_TIMEOUT_MS || echo unset'],
        { encoding: 'utf8' },
      ).trim(),
    ).toBe('unset');
    const hosts = execFileSync(
      'docker',
      ['exec', 'llm-gateway-api-gateway-1', 'getent', 'hosts', 'host.docker.internal'],
      { encoding: 'utf8' },
    );
    expect(hosts.trim().split(/\s+/)[0]).toBe(bridge);
    // A chat through :3000 reaches the host's 127.0.0.1:11434 (the upstream counts what it served).
    const servedBefore = upstream.stats.requests['POST /v1/chat/completions'] ?? 0;
    const adminTokenNow = (await import('../../main/stack/env-file.js')).ensureEnvFile(home).values.ADMIN_TOKEN!;
    const created = await request('POST', '/admin/keys', {
      headers: { authorization: `Bearer ${adminTokenNow}` },
      body: { name: 'e2e-stock-ollama' },
    });
    expect(created.status, created.body).toBe(201);
    const chatted = await request('POST', '/v1/chat/completions', {
      headers: { authorization: `Bearer ${(JSON.parse(created.body) as { key: string }).key}` },
      body: { model, messages: [{ role: 'user', content: 'hello stock ollama' }] },
    });
    expect(chatted.status, chatted.body).toBe(200);
    expect(upstream.stats.requests['POST /v1/chat/completions'] ?? 0).toBeGreaterThan(servedBefore);
    for (const container of status.containers) {
      expect(container.state, container.name).toBe('running');
      expect(container.health, container.name).toBe('healthy');
    }
    // Progress arrived as typed events, the env file is private.
    expect(progress.some((e) => e.type === 'resource' && e.resource === 'container' && e.status === 'Healthy')).toBe(
      true,
    );
    expect(statSync(path.join(home, 'stack.env')).mode & 0o777).toBe(0o600);

    const ps = execFileSync(
      'docker',
      [
        'ps',
        '--filter',
        `label=com.docker.compose.project=${PROJECT}`,
        '--format',
        '{{.Names}} {{.Label "com.docker.compose.service"}} {{.Label "com.docker.compose.project"}} {{.Ports}}',
      ],
      { encoding: 'utf8' },
    );
    const lines = ps.trim().split('\n').sort();
    expect(lines.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      'llm-gateway-api-gateway-1 api-gateway llm-gateway',
      'llm-gateway-api-gateway-2 api-gateway llm-gateway',
      'llm-gateway-api-gateway-3 api-gateway llm-gateway',
      'llm-gateway-nginx nginx llm-gateway',
      'llm-gateway-ollama-forwarder ollama-forwarder llm-gateway',
      'llm-gateway-postgres postgres llm-gateway',
      'llm-gateway-redis redis llm-gateway',
    ]);
    expect(ps).toContain('127.0.0.1:3000->80/tcp');
    expect(ps).toContain('127.0.0.1:15432->5432/tcp');
    expect(ps).toContain('127.0.0.1:16379->6379/tcp');
    // The engine event stream saw the starts and health changes of our containers (and no exec noise).
    await waitFor('engine events', 10_000, async () =>
      engineEvents.some((e) => e.action === 'health_status' && e.health === 'healthy'),
    );
    expect(engineEvents.some((e) => e.action === 'start' && e.service === 'nginx')).toBe(true);
    expect(engineEvents.every((e) => ['start', 'die', 'health_status'].includes(e.action))).toBe(true);

    // A second up with nothing changed is a no-op: no container is recreated.
    const ids = status.containers.map((c) => c.id).sort();
    const again = await controller.up();
    expect(again.containers.map((c) => c.id).sort()).toEqual(ids);
    adminToken = (await import('../../main/stack/env-file.js')).ensureEnvFile(home).values.ADMIN_TOKEN!;
  });

  it('2. nginx balances over all three replicas, streams SSE, owns no CORS, guards /admin and /metrics', async () => {
    const { seen, statuses } = await instancesSeen(30);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect([...seen].sort()).toEqual((await replicaIds()).sort());

    const echoed = await request('GET', '/health', { headers: { 'x-request-id': 'e2e-request-1' } });
    expect(header(echoed, 'x-request-id')).toBe('e2e-request-1');
    expect(header(await request('GET', '/health'), 'x-request-id')).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id
    expect(header(echoed, 'server')).toBe('nginx'); // server_tokens off: no version

    const { key } = await createKey('e2e-stream');
    // SSE: ten chunks 150 ms apart must arrive one by one, not as one buffered block at the end.
    upstream.behaviour.chunkDelayMs = 150;
    upstream.behaviour.chunks = 10;
    const arrivals: number[] = [];
    const body: string[] = [];
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        `${BASE}/v1/chat/completions`,
        {
          method: 'POST',
          agent: false,
          headers: { ...withKey(key), 'content-type': 'application/json' },
        },
        (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toContain('text/event-stream');
          res.on('data', (chunk: Buffer) => {
            arrivals.push(Date.now() - started);
            body.push(chunk.toString('utf8'));
          });
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'count to ten' }] }));
    });
    upstream.behaviour.chunkDelayMs = 0;
    upstream.behaviour.chunks = null;
    expect(body.join('')).toContain('data: [DONE]');
    expect(arrivals.length).toBeGreaterThanOrEqual(5);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(1000); // first chunk long before the last

    // CORS: exactly one Access-Control-Allow-Origin, on a real answer and on a preflight.
    const origin = 'http://localhost:5173';
    const real = await request('GET', '/v1/models', { headers: withKey(key, { origin }) });
    expect(real.status).toBe(200);
    expect(real.headers.get('access-control-allow-origin')).toHaveLength(1);
    const preflight = await request('OPTIONS', '/v1/chat/completions', {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toHaveLength(1);

    // /admin needs the admin token: none → 401 at nginx, a wrong one → 401 from the gateway, the right one → 200.
    expect((await request('GET', '/admin/keys')).status).toBe(401);
    expect((await request('GET', '/admin/keys', { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    expect(
      (await request('GET', '/admin/keys', { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status,
    ).toBe(401);
    expect((await admin('GET', '/admin/keys')).status).toBe(200);
    // /metrics is not public, not even with the admin token.
    expect((await request('GET', '/metrics')).status).toBe(404);
    expect((await admin('GET', '/metrics')).status).toBe(404);
  });

  it('3. a key works on every replica, and once revoked works on none within a second', async () => {
    const { id, key } = await createKey('e2e-revoke');
    const before = await instancesSeen(24, '/v1/models', withKey(key));
    expect(before.statuses.every((s) => s === 200)).toBe(true);
    expect(before.seen.size).toBe(3);
    expect((await admin('DELETE', `/admin/keys/${id}`)).status).toBeLessThan(300);
    await sleep(1000);
    const after = await instancesSeen(24, '/v1/models', withKey(key));
    expect(after.statuses.every((s) => s === 401)).toBe(true);
    expect(after.seen.size).toBe(3);
  });

  it('3b. one request followed through the logs: nginx and the replica log it as JSON with one request id (logs --request-id)', async () => {
    const { id, key } = await createKey('e2e-request-logs');
    const requestId = `e2e-trace-${Date.now()}`;
    const traced = await request('POST', '/v1/chat/completions', {
      headers: withKey(key, { 'x-request-id': requestId }),
      body: { model, messages: [{ role: 'user', content: 'follow me' }] },
    });
    expect(traced.status, traced.body).toBe(200);
    expect(header(traced, 'x-request-id')).toBe(requestId);
    // Without an id of its own the client gets nginx's, which the replica used too.
    const untraced = await request('GET', '/v1/models', { headers: withKey(key) });
    const generated = header(untraced, 'x-request-id');
    expect(generated).toMatch(/^[0-9a-f]{32}$/);

    const cli = path.resolve('bin/llm-gateway.js');
    const logsOf = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [cli, 'logs', ...args],
          { env: { ...process.env, LLMGW_HOME: home }, encoding: 'utf8', timeout: 60_000 },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    // Docker's log driver may hand a line over a moment after the answer.
    const services = async (id_: string) =>
      [...new Set((await controller.requestLogs(id_)).map((l) => l.service))].sort();
    await waitFor('both requests logged by nginx and a replica', 10_000, async () => {
      const [a, b] = await Promise.all([services(requestId), services(generated!)]);
      return a.length === 2 && b.length === 2;
    });
    expect(await services(generated!)).toEqual(['api-gateway', 'nginx']);
    const found = await logsOf(['--request-id', requestId, '--json']);
    expect(found.code, found.stderr).toBe(0);
    const lines = found.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { service: string; entry: Record<string, unknown> });
    const nginxLine = lines.find((l) => l.service === 'nginx');
    const replicaLine = lines.find((l) => l.service === 'api-gateway');
    expect(nginxLine?.entry).toMatchObject({ requestId, method: 'POST', path: '/v1/chat/completions', status: 200 });
    expect(replicaLine?.entry).toMatchObject({ requestId, path: '/v1/chat/completions', status: 200, keyId: id });
    expect(found.stdout).not.toContain(key);
    const missing = await logsOf(['--request-id', 'no-such-request']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/No log line of the stack carries request id 'no-such-request'/);
  });

  it('6. the readiness suite passes against the stack, failover included (llm-gateway readiness)', async () => {
    const cli = path.resolve('bin/llm-gateway.js');
    // Asynchronous on purpose: the test upstream (Ollama) answers from this very process.
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [cli, 'readiness', '--failover', '--no-history'],
        { env: { ...process.env, LLMGW_HOME: home, ADMIN_TOKEN: '' }, encoding: 'utf8', timeout: 240_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
    console.log(output);
    expect(code, output).toBe(0);
    expect(output).toMatch(/^18 passed, 0 failed, 0 skipped$/m);
  }, 300_000);

  it('5. one replica stopped while requests flow: the others take the traffic; nginx follows its new address', async () => {
    const { key } = await createKey('e2e-failover', { rpm: 100_000, tpm: 10_000_000 });
    const victim = (await controller.containers()).find((c) => c.service === 'api-gateway' && c.replica === 2)!;
    const victimIp = async () => {
      const info = await docker.getContainer(victim.id).inspect();
      return Object.values(info.NetworkSettings.Networks)[0]?.IPAddress ?? '';
    };
    const oldIp = await victimIp();
    // Bounded load: 4 clients, each pausing 25 ms between requests (≈ 100 requests/s at most).
    const chat = async (i: number): Promise<RawResponse> => {
      await sleep(25);
      return i % 3 === 0
        ? request('POST', '/v1/chat/completions', {
            headers: withKey(key),
            body: { model, messages: [{ role: 'user', content: `hi ${i}` }] },
          })
        : request('GET', '/v1/models', { headers: withKey(key) });
    };
    let stoppedAt = 0;
    const [results] = await Promise.all([
      load(7000, 4, chat),
      (async () => {
        await sleep(1500);
        await docker.getContainer(victim.id).stop();
        stoppedAt = Date.now();
      })(),
    ]);
    const failures = results.filter((r) => r.value instanceof Error || r.value.status !== 200);
    expect(
      failures.map((r) => (r.value instanceof Error ? r.value.message : `${r.value.status} ${r.value.body}`)),
    ).toEqual([]);
    expect(results.length).toBeGreaterThan(50);
    const afterStop = results.filter((r) => r.at > stoppedAt + 500 && !(r.value instanceof Error));
    const instancesAfter = new Set(afterStop.map((r) => header(r.value as RawResponse, 'x-instance')));
    expect(afterStop.length).toBeGreaterThan(10);
    expect(instancesAfter.has(victim.id)).toBe(false);
    expect(instancesAfter.size).toBe(2);

    // Re-resolution: occupy the stopped replica's address with a container of our own, so the replica gets a
    // NEW address when it starts again; nginx must reach it there without any manual step.
    const network =
      Object.keys((await docker.getContainer(victim.id).inspect()).NetworkSettings.Networks)[0] ?? `${PROJECT}_default`;
    const holder = await docker.createContainer({
      Image: process.env.NODE_IMAGE ?? 'node:20-bookworm-slim',
      name: 'llmgw-e2e-ip-holder',
      Entrypoint: ['sleep'],
      Cmd: ['300'],
      HostConfig: { NetworkMode: network },
    });
    createdByTest.push(holder.id);
    await holder.start();
    const holderIp = Object.values((await holder.inspect()).NetworkSettings.Networks)[0]?.IPAddress;
    await controller.start(); // starts the stopped replica, gated on its health
    const newIp = await victimIp();
    expect(newIp).not.toBe('');
    expect(newIp).not.toBe(oldIp);
    console.log(`e2e: replica 2 moved ${oldIp} → ${newIp} (old address now held by ${holderIp})`);
    const reached = await waitFor('nginx to reach the restarted replica at its new address', 15_000, async () => {
      const { seen } = await instancesSeen(9);
      return seen.has(victim.id) && seen.size === 3 ? seen : undefined;
    });
    expect(reached.size).toBe(3);
    const nginxLogs = (
      await docker.getContainer('llm-gateway-nginx').logs({ stdout: true, stderr: true, tail: 200 })
    ).toString('utf8');
    expect(nginxLogs).toContain('reloading');
    await holder.remove({ force: true });
    createdByTest.splice(createdByTest.indexOf(holder.id), 1);
  });

  it("7. the control plane's health follows real engine events: a replica stopped → degraded, started → healthy", async () => {
    // The HealthMonitor over the real controller adapter (stackPortOf, as the app wires it), with both timers at
    // 10 minutes: after the first check only Engine events (start / die / health_status) can trigger a re-check.
    // The wrapper only counts watch handles opened and closed, to show that stop() leaves no watcher behind.
    const port = stackPortOf(controller);
    const watches = { opened: 0, closed: 0 };
    const stack: StackView = {
      containers: () => port.containers(),
      watch: async (onChange) => {
        const handle = await port.watch!(onChange);
        watches.opened += 1;
        return {
          close: () => {
            watches.closed += 1;
            handle.close();
          },
        };
      },
    };
    const t0 = Date.now();
    const emitted: Array<{ at: number; snapshot: HealthSnapshot }> = [];
    const monitor = new HealthMonitor(
      {
        stack,
        gatewayUrl: () => BASE,
        ollamaVersion: async () =>
          ((await (await fetch(`${upstream.url}/api/version`)).json()) as { version: string }).version,
      },
      // probeTimeoutMs above nginx's proxy_connect_timeout (2 s): the first /health/ready after the stop may go to the
      // stopped replica's old address, which does not refuse but times out, before nginx tries another replica.
      {
        intervalMs: 600_000,
        fastIntervalMs: 600_000,
        probeTimeoutMs: 8_000,
        onChange: (snapshot) => emitted.push({ at: Date.now() - t0, snapshot }),
      },
    );
    const victim = (await controller.containers()).find((c) => c.service === 'api-gateway' && c.replica === 3)!;
    const since = (n: number) => emitted.slice(n).map((e) => e.snapshot);
    const gatewayService = (s: HealthSnapshot) => s.services.find((x) => x.id === 'api-gateway');
    const marks: Record<string, number> = {};
    try {
      monitor.setMode('stack');
      await monitor.start();
      expect(monitor.current().status, monitor.current().summary).toBe('healthy');
      expect(gatewayService(monitor.current())).toMatchObject({
        status: 'healthy',
        detail: '3/3 healthy',
        replicas: { running: 3, total: 3 },
      });

      const beforeStop = emitted.length;
      marks.stop = Date.now() - t0;
      await docker.getContainer(victim.id).stop();
      marks.stopped = Date.now() - t0;
      const degraded = await waitFor('the monitor to emit degraded', 10_000, async () =>
        since(beforeStop).find((s) => s.status === 'degraded'),
      );
      expect(gatewayService(degraded)).toMatchObject({
        status: 'degraded',
        detail: '2/3 healthy',
        replicas: { running: 2, total: 3 },
      });
      expect(degraded.summary).toBe('Degraded — Gateway replicas: 2/3 healthy');
      expect(degraded.services.filter((s) => s.id !== 'api-gateway').every((s) => s.status === 'healthy')).toBe(true);

      const beforeStart = emitted.length;
      marks.start = Date.now() - t0;
      await docker.getContainer(victim.id).start();
      await waitFor('the monitor to emit healthy again', 30_000, async () =>
        since(beforeStart).some((s) => s.status === 'healthy'),
      );
      marks.healthy = Date.now() - t0;
      expect(monitor.current().status).toBe('healthy');
      expect(gatewayService(monitor.current())).toMatchObject({ status: 'healthy', detail: '3/3 healthy' });
    } finally {
      monitor.stop();
    }
    expect(watches).toEqual({ opened: 1, closed: 1 });

    const sequence = emitted.map((e) => `${e.at} ms ${e.snapshot.status} (${e.snapshot.summary})`);
    console.log(
      `e2e: health monitor (stop at ${marks.stop} ms, returned ${marks.stopped} ms; start at ${marks.start} ms):\n  ${sequence.join('\n  ')}`,
    );
    // Every emitted status, consecutive repeats folded (a degraded detail may change, e.g. '1 of 3 starting').
    const statuses = emitted.map((e) => e.snapshot.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);
    expect(statuses).toEqual(['healthy', 'degraded', 'healthy']);
    const firstDegraded = emitted.find((e) => e.snapshot.status === 'degraded')!;
    expect(firstDegraded.at).toBeGreaterThanOrEqual(marks.stop!);
    expect(firstDegraded.at - marks.stopped!).toBeLessThan(5_000);
    const back = emitted.findLast((e) => e.snapshot.status === 'healthy')!;
    expect(back.at).toBeGreaterThan(marks.start!);
    // The re-checks came from the Engine's events: a die and a healthy health_status of the victim were seen.
    const victimEvents = engineEvents.filter((e) => e.id === victim.id && Date.parse(e.time) >= t0 - 1000);
    expect(victimEvents.map((e) => (e.action === 'health_status' ? `health:${e.health}` : e.action))).toEqual(
      expect.arrayContaining(['die', 'start', 'health:healthy']),
    );
  });

  it('8. Ollama unreachable: the diagnosis names the address tried, where Ollama listens and the fix', async () => {
    const status = await controller.status();
    const route = status.ollama!;
    // Ollama stopped: nothing on 127.0.0.1:11434.
    await upstream.close();
    try {
      const down = await probeOllamaReach(route, status.containers);
      expect(down).toMatchObject({
        ok: false,
        code: 'ollama_not_running',
        listens: expect.stringContaining('nothing answers at 127.0.0.1:11434'),
      });
      expect(down.tried).toContain(route.forwarder!.listen);
      // The readiness-facing path: /v1/models through :3000 fails while Ollama is away.
      const cli = path.resolve('bin/llm-gateway.js');
      const out = await new Promise<string>((resolve) => {
        execFile(
          process.execPath,
          [cli, 'status'],
          { env: { ...process.env, LLMGW_HOME: home }, encoding: 'utf8' },
          (_e, stdout, stderr) => resolve(`${stdout}${stderr}`),
        );
      });
      expect(out).toContain('Ollama: Ollama is not running');
      expect(out).toContain('fix: Start Ollama');
    } finally {
      upstream = await startOllamaUpstream({ host: '127.0.0.1', port: 11434 });
    }
    // Ollama back, forwarder stopped: Ollama answers on loopback, the stack cannot reach it.
    const forwarder = status.containers.find((c) => c.service === 'ollama-forwarder')!;
    await docker.getContainer(forwarder.id).stop();
    try {
      const reach = await probeOllamaReach(route, await controller.containers());
      expect(reach).toMatchObject({
        ok: false,
        code: 'ollama_forwarder_down',
        listens: expect.stringContaining('answers at 127.0.0.1:11434'),
      });
      expect(reach.ok === false && reach.hint).toContain('llm-gateway up');
    } finally {
      await docker.getContainer(forwarder.id).start();
    }
    await waitFor(
      'the forwarder to relay again',
      30_000,
      async () => (await probeOllamaReach(route, await controller.containers())).ok === true,
    );
  });

  it('9. the monitoring profile: Prometheus finds the three replicas by DNS, scrapes them and evaluates the rules', async () => {
    const monitored = new StackController({
      env: { ...stockOllamaEnv(process.env), LLMGW_HOME: home, LOG_LEVEL: 'warn', LLMGW_MONITORING: '1' },
      onEvent: (event) => progress.push(event),
    });
    const status = await monitored.up();
    expect(status.state).toBe('running');
    expect(status.containers.find((c) => c.service === 'prometheus')?.health).toBe('healthy');
    const { key } = await createKey('e2e-monitoring');
    for (let i = 0; i < 12; i += 1)
      expect((await request('GET', '/v1/models', { headers: withKey(key) })).status).toBe(200);

    type Api = { status: string; data: Record<string, unknown> };
    const api = async (p: string): Promise<Api> => (await (await fetch(`http://127.0.0.1:19090${p}`)).json()) as Api;
    await waitFor('Prometheus scraping all three replicas', 90_000, async () => {
      const targets = (await api('/api/v1/targets?state=active')).data.activeTargets as Array<{
        labels: Record<string, string>;
        health: string;
      }>;
      const gateways = targets.filter((t) => t.labels.job === 'api-gateway');
      return gateways.length === 3 && gateways.every((t) => t.health === 'up');
    });
    const vector = async (query: string) =>
      (await api(`/api/v1/query?query=${encodeURIComponent(query)}`)).data.result as Array<{
        metric: Record<string, string>;
        value: [number, string];
      }>;
    await waitFor('the recording rules evaluated', 90_000, async () => {
      const [rate, upstreams] = [
        await vector('llmgw:http_requests:rate1m'),
        await vector('llmgw:upstream_up:replicas'),
      ];
      return rate.length > 0 && upstreams.length > 0;
    });
    // Every replica sees the (test) Ollama healthy; no alert fires on a healthy stack.
    expect((await vector('llmgw:upstream_up:replicas')).map((r) => r.value[1])).toEqual(['3']);
    const groups = (await api('/api/v1/rules')).data.groups as Array<{
      rules: Array<{ name: string; health: string; state?: string }>;
    }>;
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.length).toBe(10);
    expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
    expect(rules.filter((r) => r.state === 'firing').map((r) => r.name)).toEqual([]);
  }, 240_000);

  it('10. up --tls: the stack serves HTTPS on :3443 with the local CA; the openai client and curl trust it only with the CA, and refuse another host name', async () => {
    const tls = new StackController({
      env: { ...stockOllamaEnv(process.env), LLMGW_HOME: home, LOG_LEVEL: 'warn', LLMGW_TLS: '1' },
      onEvent: (event) => progress.push(event),
    });
    const status = await tls.up();
    expect(status.state).toBe('running');
    expect(status.containers.find((c) => c.service === 'nginx')?.ports.map((p) => p.hostPort)).toContain(3443);
    const caFile = path.join(home, 'tls', 'local', 'ca.pem');
    const ca = readFileSync(caFile, 'utf8');
    const { key } = await createKey('e2e-tls');
    const dispatcher = new Agent({ connect: { ca } });
    const client = new OpenAI({
      apiKey: key,
      baseURL: 'https://localhost:3443/v1',
      maxRetries: 0,
      fetch: ((url: string, init: RequestInit) =>
        undiciFetch(url, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch,
    });
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'over TLS' }],
    });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    await dispatcher.close();
    // Without the CA the SDK refuses the connection; the plain-HTTP port still answers.
    const untrusting = new OpenAI({ apiKey: key, baseURL: 'https://localhost:3443/v1', maxRetries: 0 });
    await expect(untrusting.models.list()).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect((await request('GET', '/v1/models', { headers: withKey(key) })).status).toBe(200);

    const curl = (args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
        ),
      );
    const ok = await curl(['--cacert', caFile, 'https://localhost:3443/health']);
    expect(ok.code, ok.out).toBe(0);
    expect((await curl(['https://localhost:3443/health'])).code).toBe(60); // untrusted issuer
    // The certificate is for localhost, 127.0.0.1 and ::1 only: another name for the same address is refused.
    const wrongHost = await curl([
      '--cacert',
      caFile,
      '--resolve',
      'gateway.example:3443:127.0.0.1',
      'https://gateway.example:3443/health',
    ]);
    expect(wrongHost.code, wrongHost.out).toBe(60);
    expect(wrongHost.out).toMatch(/subject name|does not match|alternative/i);
  }, 240_000);

  it('4. stop/start keeps data; down + up keeps volumes; down --volumes removes them', async () => {
    const { id, key } = await createKey('e2e-persist');
    const completion = await request('POST', '/v1/chat/completions', {
      headers: withKey(key),
      body: { model, messages: [{ role: 'user', content: 'remember me' }] },
    });
    expect(completion.status, completion.body).toBe(200);
    const values = (await import('../../main/stack/env-file.js')).ensureEnvFile(home).values;
    const usageRows = async (): Promise<number> => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: 15432,
        user: values.POSTGRES_USER,
        password: values.POSTGRES_PASSWORD,
        database: values.POSTGRES_DB,
      });
      await client.connect();
      try {
        return Number((await client.query('SELECT count(*) AS n FROM usage WHERE key_id = $1', [id])).rows[0].n);
      } finally {
        await client.end();
      }
    };
    await waitFor('the usage row to be flushed', 10_000, async () => (await usageRows()) >= 1);

    const stopped = await controller.stop();
    expect(stopped.state).toBe('stopped');
    expect(stopped.containers.every((c) => c.state === 'exited')).toBe(true);
    const startedAgain = await controller.start();
    expect(startedAgain.state).toBe('running');
    expect((await request('GET', '/v1/models', { headers: withKey(key) })).status).toBe(200);
    expect(await usageRows()).toBeGreaterThanOrEqual(1);

    await controller.down();
    expect(await controller.containers()).toEqual([]);
    const volumes = ['llm-gateway_pgdata', 'llm-gateway_redisdata'];
    for (const volume of volumes) await docker.getVolume(volume).inspect(); // still there
    const upAgain = await controller.up();
    expect(upAgain.state).toBe('running');
    expect((await request('GET', '/v1/models', { headers: withKey(key) })).status).toBe(200);
    expect(await usageRows()).toBeGreaterThanOrEqual(1);

    await controller.down({ volumes: true });
    expect(await controller.containers()).toEqual([]);
    for (const volume of volumes) {
      await expect(docker.getVolume(volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
    }
  });
});
