// The stack on a single-node Docker Swarm, end to end: `up --swarm` (the controller) deploys compose's definition plus
// the Swarm overlay on the real Engine; the readiness suite passes; 3 → 6 replicas and nginx balances over all six;
// exactly RPM requests are admitted across six replicas; a rolling update to a new image tag under steady load fails
// no request and loses no usage row; `down --volumes` leaves nothing. The Ollama-compatible test upstream listens
// on the default bridge's address (Swarm has no forwarder: OLLAMA_URLS names it, as it would name the GPU hosts).
// The Engine is shared: Swarm is initialised only when it is not active, and left again only if this file did it.
// Its own stack name and port (llmgw-swarm-e2e, :13000), so a Compose stack on the same Engine is never touched.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackController, type ControllerEvent } from '../../main/stack/controller.js';
import { ensureEnvFile } from '../../main/stack/env-file.js';
import { SWARM_SECRETS } from '../../main/stack/swarm-definition.js';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { bridgeGatewayIp, header, request as requestAt, waitFor, type RawResponse } from './support.js';

const PROJECT = 'llmgw-swarm-e2e';
const PORT = 13000;
const SWARM_BASE = `http://127.0.0.1:${PORT}`;
const STACK_LABEL = `com.docker.stack.namespace=${PROJECT}`;
const IMAGE = 'llm-gateway/api-gateway:local';
const ROLLED_IMAGE = 'llm-gateway/api-gateway:e2e-rolled';
let home: string;
let upstream: OllamaUpstream;
let docker: Docker;
let controller: StackController;
let baseEnv: NodeJS.ProcessEnv;
let initialisedSwarm = false;
let adminToken: string;
let model: string;
const progress: ControllerEvent[] = [];
const figures: Record<string, number | string> = {};

const request = (method: string, urlPath: string, options: { headers?: Record<string, string>; body?: unknown } = {}) =>
  requestAt(method, urlPath, { ...options, base: SWARM_BASE });

const docker_ = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

const controllerWith = (extra: Record<string, string> = {}) =>
  new StackController({ env: { ...baseEnv, ...extra }, project: PROJECT, onEvent: (event) => progress.push(event) });

async function createKey(name: string, limits: { rpm?: number } = {}): Promise<{ id: string; key: string }> {
  const res = await request('POST', '/admin/keys', {
    headers: { authorization: `Bearer ${adminToken}` },
    body: { name, max_concurrent: 10_000, ...limits },
  });
  expect(res.status, res.body).toBe(201);
  return JSON.parse(res.body) as { id: string; key: string };
}

const chat = (key: string, content: string): Promise<RawResponse> =>
  request('POST', '/v1/chat/completions', {
    headers: { authorization: `Bearer ${key}` },
    body: { model, messages: [{ role: 'user', content }] },
  });

async function gatewayTasks(): Promise<Array<{ name: string; image: string; health: string }>> {
  return (await controller.containers())
    .filter((c) => c.service === 'api-gateway' && c.state === 'running')
    .map((c) => ({ name: c.name, image: c.image, health: c.health }));
}

/**
 * PostgreSQL is not published under Swarm. A Swarm task also sits on docker_gwbridge (its way out), whose addresses
 * the host reaches: the test reads usage rows there.
 */
async function databaseClient(): Promise<pg.Client> {
  const postgres = (await controller.containers()).find((c) => c.service === 'postgres' && c.state === 'running');
  if (!postgres) throw new Error('no running postgres task');
  const full = docker_('inspect', '--format', '{{.Id}}', postgres.name);
  const network = JSON.parse(docker_('network', 'inspect', 'docker_gwbridge')) as Array<{
    Containers?: Record<string, { IPv4Address?: string }>;
  }>;
  const address = network[0]?.Containers?.[full]?.IPv4Address?.split('/')[0];
  if (!address) throw new Error('the postgres task has no docker_gwbridge address');
  const values = ensureEnvFile(home).values;
  const client = new pg.Client({
    host: address,
    port: 5432,
    user: values.POSTGRES_USER,
    password: values.POSTGRES_PASSWORD,
    database: values.POSTGRES_DB,
  });
  await client.connect();
  return client;
}

async function usageRows(keyId: string): Promise<number> {
  const client = await databaseClient();
  try {
    return Number((await client.query('SELECT count(*) AS n FROM usage WHERE key_id = $1', [keyId])).rows[0].n);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-e2e-swarm-'));
  baseEnv = { ...process.env, LLMGW_HOME: home, LOG_LEVEL: 'warn', LLMGW_PORT: String(PORT) };
  controller = controllerWith();
  docker = await controller.docker();
  if ((await controller.containers()).length > 0)
    throw new Error(
      `A '${PROJECT}' stack already exists on this engine; the e2e will not touch it. Remove it and rerun.`,
    );
  const state = docker_('info', '--format', '{{.Swarm.LocalNodeState}}');
  if (state !== 'active') {
    docker_('swarm', 'init', '--advertise-addr', '127.0.0.1');
    initialisedSwarm = true;
  }
  upstream = await startOllamaUpstream({ host: await bridgeGatewayIp(docker), port: 0 });
  model = upstream.models[0]!.name;
  baseEnv.OLLAMA_URLS = upstream.url;
  controller = controllerWith();
}, 120_000);

afterAll(async () => {
  try {
    if (controller) await controller.down({ volumes: true }).catch((err: unknown) => console.error('teardown:', err));
    execFileSync('docker', ['image', 'rm', ROLLED_IMAGE], { stdio: 'ignore' });
  } catch {
    // the tag may never have been made
  } finally {
    if (initialisedSwarm) {
      execFileSync('docker', ['swarm', 'leave', '--force'], { stdio: 'inherit' });
      // Swarm's egress bridge outlives `swarm leave`; it did not exist before this file.
      execFileSync('docker', ['network', 'rm', 'docker_gwbridge'], { stdio: 'ignore' });
    }
    await upstream?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    console.log(`swarm e2e figures: ${JSON.stringify(figures)}`);
  }
}, 300_000);

describe('the llm-gateway stack on Docker Swarm', () => {
  it('1. deploys with `up --swarm`: every service converged and healthy, secrets as Swarm secrets', async () => {
    const started = Date.now();
    const status = await controller.upSwarm({ replicas: 3, timeoutMs: 480_000 });
    figures.deploySeconds = Math.round((Date.now() - started) / 1000);
    expect(status.mode).toBe('swarm');
    const describeContainers = (list: typeof status.containers) =>
      JSON.stringify(list.map((c) => `${c.name} ${c.state} ${c.health}`));
    console.log(`swarm e2e: after up --swarm: ${status.state} ${describeContainers(status.containers)}`);
    // nginx's own check goes through a replica, so it may still be getting healthy when the gateways converged.
    const settled = await waitFor('every task running and healthy', 60_000, async () => {
      const now = await controller.status();
      return now.state === 'running' ? now : undefined;
    }).catch(async (err: unknown) => {
      throw new Error(`${String(err)}: ${describeContainers((await controller.status()).containers)}`);
    });
    expect(settled.containers.map((c) => c.service).sort()).toEqual([
      'api-gateway',
      'api-gateway',
      'api-gateway',
      'nginx',
      'postgres',
      'redis',
    ]);
    for (const c of settled.containers) expect(c.health, c.name).toBe('healthy');
    expect(docker_('secret', 'ls', '--format', '{{.Name}}').split('\n').sort()).toEqual(
      expect.arrayContaining([...SWARM_SECRETS].sort()),
    );
    // No password in any service's environment or command line.
    adminToken = ensureEnvFile(home).values.ADMIN_TOKEN!;
    const values = ensureEnvFile(home).values;
    for (const service of ['nginx', 'api-gateway', 'postgres', 'redis']) {
      const spec = docker_('service', 'inspect', `${PROJECT}_${service}`, '--format', '{{json .Spec.TaskTemplate}}');
      for (const secret of [values.POSTGRES_PASSWORD!, values.REDIS_PASSWORD!, values.ADMIN_TOKEN!])
        expect(spec.includes(secret), `${service} spec holds a secret`).toBe(false);
    }
    const ready = await request('GET', '/health/ready');
    expect(ready.status, ready.body).toBe(200);
    expect(progress).toContainEqual(expect.objectContaining({ type: 'step', step: 'deploy' }));
  }, 600_000);

  it('2. the readiness suite passes against the Swarm stack (llm-gateway readiness)', async () => {
    const values = ensureEnvFile(home).values;
    const client = await databaseClient();
    const databaseHost = client.host;
    await client.end();
    const redis = (await controller.containers()).find((c) => c.service === 'redis')!;
    const redisId = docker_('inspect', '--format', '{{.Id}}', redis.name);
    const gwbridge = JSON.parse(docker_('network', 'inspect', 'docker_gwbridge')) as Array<{
      Containers?: Record<string, { IPv4Address?: string }>;
    }>;
    const redisHost = gwbridge[0]!.Containers![redisId]!.IPv4Address!.split('/')[0];
    const cli = path.resolve('bin/llm-gateway.js');
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          cli,
          'readiness',
          '--no-history',
          '--url',
          SWARM_BASE,
          '--replicas',
          '3',
          '--database-url',
          `postgres://${values.POSTGRES_USER}:${values.POSTGRES_PASSWORD}@${databaseHost}:5432/${values.POSTGRES_DB}`,
          '--redis-url',
          `redis://:${values.REDIS_PASSWORD}@${redisHost}:6379`,
        ],
        { env: { ...baseEnv, ADMIN_TOKEN: '' }, encoding: 'utf8', timeout: 240_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
      );
    });
    console.log(output);
    expect(code, output).toBe(0);
    const summary = /^(\d+) passed, 0 failed, (\d+) skipped$/m.exec(output);
    expect(summary, output).not.toBeNull();
    figures.readinessPassed = Number(summary![1]);
  }, 300_000);

  it('3. scales 3 → 6 and nginx balances over all six (x-instance)', async () => {
    const status = await controller.upSwarm({ replicas: 6, build: false });
    expect(status.containers.filter((c) => c.service === 'api-gateway' && c.health === 'healthy')).toHaveLength(6);
    const seen = new Map<string, number>();
    // nginx re-reads the DNS answer within a second; then every replica takes a share.
    await waitFor('six replicas answering through nginx', 30_000, async () => {
      for (let i = 0; i < 60; i += 1) {
        const res = await request('GET', '/health');
        const instance = header(res, 'x-instance');
        if (res.status === 200 && instance) seen.set(instance, (seen.get(instance) ?? 0) + 1);
      }
      return seen.size === 6;
    });
    figures.replicas = seen.size;
    console.log(`swarm e2e: /health answers per replica ${JSON.stringify([...seen.values()])}`);
    expect(seen.size).toBe(6);
  }, 600_000);

  it('4. the RPM limit holds across six replicas: exactly RPM requests admitted', async () => {
    const rpm = 24;
    const { key } = await createKey('swarm-rpm', { rpm });
    const results = await Promise.all(Array.from({ length: 72 }, (_, i) => chat(key, `rpm ${i}`)));
    const instances = new Set(results.map((res) => header(res, 'x-instance')));
    const admitted = results.filter((res) => res.status === 200).length;
    const limited = results.filter((res) => res.status === 429).length;
    figures.rpmAdmitted = admitted;
    console.log(`swarm e2e: rpm ${rpm}: ${admitted} admitted, ${limited} limited, over ${instances.size} replicas`);
    expect(admitted).toBe(rpm);
    expect(limited).toBe(72 - rpm);
    expect(instances.size).toBeGreaterThan(1);
  }, 120_000);

  it('5. a rolling update to a new image tag under steady load: 0 failed requests, no usage row lost', async () => {
    const { id, key } = await createKey('swarm-rolling', { rpm: 1_000_000 });
    docker_('tag', IMAGE, ROLLED_IMAGE);
    let stop = false;
    const outcomes: Array<{ status: number; error?: string }> = [];
    const loader = Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        for (let i = 0; !stop; i += 1) {
          try {
            const res = await chat(key, `rolling ${worker}.${i}`);
            outcomes.push({ status: res.status, ...(res.status === 200 ? {} : { error: res.body.slice(0, 200) }) });
          } catch (err) {
            outcomes.push({ status: 0, error: (err as Error).message });
          }
        }
      }),
    );
    const started = Date.now();
    let updated;
    try {
      updated = await controllerWith({ GATEWAY_IMAGE: ROLLED_IMAGE }).upSwarm({ replicas: 6, build: false });
    } finally {
      // A little load after the last replica changed, then stop.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      stop = true;
      await loader;
    }
    figures.rollingSeconds = Math.round((Date.now() - started) / 1000);
    const tasks = await gatewayTasks();
    expect(tasks).toHaveLength(6);
    for (const task of tasks) expect(task.image).toBe(ROLLED_IMAGE);
    expect(updated.state).toBe('running');
    const failed = outcomes.filter((o) => o.status !== 200);
    const ok = outcomes.length - failed.length;
    figures.rollingRequests = outcomes.length;
    figures.rollingFailed = failed.length;
    if (failed.length) console.log('swarm e2e: failed during the rolling update:', failed.slice(0, 10));
    expect(outcomes.length).toBeGreaterThan(50);
    expect(failed).toEqual([]);
    // Every answered request left a usage row, also those served by the replicas that were replaced.
    await waitFor('usage rows of every answered request', 30_000, async () => (await usageRows(id)) >= ok);
    const rows = await usageRows(id);
    figures.rollingLostRows = ok - rows;
    expect(rows).toBe(ok);
  }, 600_000);

  it('6. `down --volumes` leaves nothing behind: no service, container, network, secret, config or volume', async () => {
    await controller.down({ volumes: true });
    expect(docker_('service', 'ls', '--filter', `label=${STACK_LABEL}`, '-q')).toBe('');
    expect(docker_('ps', '-a', '--filter', `label=${STACK_LABEL}`, '-q')).toBe('');
    expect(docker_('network', 'ls', '--filter', `label=${STACK_LABEL}`, '-q')).toBe('');
    expect(docker_('secret', 'ls', '--filter', `label=${STACK_LABEL}`, '-q')).toBe('');
    expect(docker_('config', 'ls', '--filter', `label=${STACK_LABEL}`, '-q')).toBe('');
    for (const volume of [`${PROJECT}_pgdata`, `${PROJECT}_redisdata`])
      await expect(docker.getVolume(volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await controller.status()).state).toBe('not-created');
  }, 300_000);
});
