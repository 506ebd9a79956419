// The stack-facing checks: services and failover through a fake StackProbe over real gateway replicas
// (Postgres + Redis) behind a small round-robin proxy, load balancing, and PostgreSQL / Redis directly,
// each also failing when its condition is broken (unhealthy container, missing replica, old schema, bad password).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../test/support/harness.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../../test/support/services.js';
import { runReadiness } from './runner.js';
import type { CheckResult, ReadinessOptions, StackContainer, StackProbe } from './types.js';

let h: Harness;
let lb: { url: string; targets: string[]; close(): Promise<void> };

/** Round robin over `targets`, retrying the next one when a connection fails (as Nginx does). */
async function roundRobin(targets: string[], retry = true): Promise<typeof lb> {
  let next = 0;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const attempt = (tries: number): void => {
      const target = targets[next++ % targets.length]!;
      const upstream = http.request(
        `${target}${req.url}`,
        { method: req.method, headers: req.headers, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => (retry && tries > 1 ? attempt(tries - 1) : res.writeHead(502).end()));
      upstream.end(Buffer.concat(chunks));
    };
    attempt(targets.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A StackProbe over the harness's replicas: stopping closes a gateway, starting adds a new one in its place. */
function fakeStack(extra: StackContainer[] = []): StackProbe & { calls: string[] } {
  const names = h.gateways.map((_g, i) => `llm-gateway-api-gateway-${i + 1}`);
  const state = new Map(names.map((name) => [name, 'running']));
  const calls: string[] = [];
  return {
    calls,
    async containers() {
      return [
        ...names.map((name) => ({
          name,
          service: 'api-gateway',
          state: state.get(name)!,
          health: state.get(name) === 'running' ? 'healthy' : null,
        })),
        { name: 'llm-gateway-nginx', service: 'nginx', state: 'running', health: 'healthy' },
        { name: 'llm-gateway-postgres', service: 'postgres', state: 'running', health: 'healthy' },
        { name: 'llm-gateway-redis', service: 'redis', state: 'running', health: 'healthy' },
        ...extra,
      ];
    },
    async stopReplica(name) {
      calls.push(`stop ${name}`);
      await h.gateways[names.indexOf(name)]!.close();
      state.set(name, 'exited');
    },
    async startReplica(name) {
      calls.push(`start ${name}`);
      const index = names.indexOf(name);
      const gateway = await h.addGateway();
      h.gateways.pop(); // addGateway appends; the new one takes the stopped one's place
      h.gateways[index] = gateway;
      lb.targets[index] = gateway.url;
      state.set(name, 'running');
    },
  };
}

async function only(ids: string[], extra: Partial<ReadinessOptions> = {}): Promise<Record<string, CheckResult>> {
  const report = await runReadiness({ url: lb.url, adminToken: h.adminToken, only: ids, ...extra });
  return Object.fromEntries(report.results.map((r) => [r.id, r]));
}

beforeAll(async () => {
  h = await startHarness({ kind: 'pg+redis', replicas: 3 });
  lb = await roundRobin(h.gateways.map((g) => g.url));
});
afterAll(async () => {
  await lb.close();
  await h.close();
});

describe('services, load balancing and failover', () => {
  it('services: all containers healthy passes; an unhealthy one or a missing service fails', async () => {
    expect((await only(['services'], { stack: fakeStack() })).services).toMatchObject({
      status: 'pass',
      summary: '6 containers running and healthy',
    });
    const sick = fakeStack([
      { name: 'llm-gateway-extra', service: 'api-gateway', state: 'running', health: 'unhealthy' },
    ]);
    const r = await only(['services'], { stack: sick });
    expect(r.services).toMatchObject({ status: 'fail' });
    expect(r.services!.summary).toBe('llm-gateway-extra is running/unhealthy');
    const empty: StackProbe = {
      containers: async () => [],
      stopReplica: async () => undefined,
      startReplica: async () => undefined,
    };
    expect((await only(['services'], { stack: empty })).services!.summary).toMatch(/service nginx has no container/);
  });

  it('load balancing: reaches all 3 replicas and reports the distribution; fewer than expected fails', async () => {
    const r = await only(['load-balancing'], { stack: fakeStack() });
    expect(r['load-balancing']).toMatchObject({ status: 'pass' });
    expect(Object.values(r['load-balancing']!.details.distribution as Record<string, number>)).toEqual([6, 6, 6]);
    const direct = await runReadiness({ url: h.url, only: ['load-balancing'], expectedReplicas: 3 });
    expect(direct.results[0]).toMatchObject({ status: 'fail' });
    expect(direct.results[0]!.summary).toMatch(/^1 of 3 replicas answered/);
  });

  it('failover: one replica stopped while requests flow, all succeed, and it is started again', async () => {
    const stack = fakeStack();
    const r = await only(['failover'], { stack });
    expect(r.failover, JSON.stringify(r.failover)).toMatchObject({ status: 'pass' });
    expect(stack.calls).toEqual(['stop llm-gateway-api-gateway-3', 'start llm-gateway-api-gateway-3']);
    expect(r.failover!.details.failed).toBe(0);
    expect(r.failover!.details.succeeded as number).toBeGreaterThanOrEqual(20);
    // The started replica serves again.
    expect((await only(['load-balancing'], { stack: fakeStack() }))['load-balancing']!.status).toBe('pass');
  });

  it('failover: requests failing while a replica is down fail the check (a proxy without retries)', async () => {
    const saved = lb;
    lb = await roundRobin([...saved.targets], false);
    try {
      const stack = fakeStack();
      const r = await only(['failover'], { stack });
      expect(r.failover).toMatchObject({ status: 'fail' });
      expect(r.failover!.summary).toMatch(/^\d+ of \d+ requests failed while llm-gateway-api-gateway-3 was stopped$/);
      expect(r.failover!.fix).toMatch(/proxy_next_upstream/);
      expect(stack.calls).toEqual(['stop llm-gateway-api-gateway-3', 'start llm-gateway-api-gateway-3']);
    } finally {
      const noRetry = lb;
      saved.targets.splice(0, 3, ...noRetry.targets);
      lb = saved;
      await noRetry.close();
    }
  });
});

describe('PostgreSQL directly', () => {
  it('passes on a migrated schema with key count and query time', async () => {
    await h.createKey({ name: 'counted' });
    const r = await only(['database'], { databaseUrl: TEST_DATABASE_URL, databaseSchema: h.schema! });
    expect(r.database).toMatchObject({ status: 'pass' });
    expect(r.database!.summary).toMatch(/^schema v\d+ current, \d+ active of \d+ keys, query [\d.]+ ms$/);
    expect(r.database!.details.keys as number).toBeGreaterThanOrEqual(1);
  });

  it('fails on an old schema version and on an unreachable server', async () => {
    const schema = `rd_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.schema_migrations (version int PRIMARY KEY, name text);
        INSERT INTO ${schema}.schema_migrations VALUES (1, 'api_keys'); CREATE TABLE ${schema}.api_keys (revoked_at timestamptz, expires_at timestamptz);`);
      const r = await only(['database'], { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema });
      expect(r.database).toMatchObject({
        status: 'fail',
        summary: expect.stringMatching(/^schema version 1, expected [2-9]\d*$/),
      });
      expect(r.database!.fix).toMatch(/restart the gateway/);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    const down = await only(['database'], { databaseUrl: 'postgres://postgres:secret@127.0.0.1:9/test' });
    expect(down.database!.status).toBe('fail');
    expect(down.database!.summary).toMatch(/postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:9\/test/); // password never shown
    expect(down.database!.fix).toMatch(/not running/);
  });
});

describe('Redis directly', () => {
  let server: ChildProcess;
  let port: number;
  const password = randomBytes(12).toString('hex');

  beforeAll(async () => {
    port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i += 1) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = net
          .connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          })
          .on('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('redis-server did not start');
  });
  afterAll(() => {
    if (server.pid) process.kill(server.pid, 'SIGTERM');
  });

  it('passes with the right password: PONG, and a wrong password is refused', async () => {
    const r = await only(['redis'], { redisUrl: `redis://:${password}@127.0.0.1:${port}` });
    expect(r.redis).toMatchObject({ status: 'pass' });
    expect(r.redis!.summary).toMatch(/^PONG in [\d.]+ ms; a wrong password is refused \(WRONGPASS\)$/);
    expect(JSON.stringify(r.redis)).not.toContain(password);
  });

  it('fails with a wrong password, and on a Redis that takes any password', async () => {
    const wrong = await only(['redis'], { redisUrl: `redis://:nope@127.0.0.1:${port}` });
    expect(wrong.redis).toMatchObject({ status: 'fail' });
    expect(wrong.redis!.summary).toMatch(/WRONGPASS/);
    expect(wrong.redis!.fix).toMatch(/REDIS_PASSWORD/);
    const open = new URL(TEST_REDIS_URL);
    open.password = 'anything';
    const r = await only(['redis'], { redisUrl: open.toString() });
    expect(r.redis).toMatchObject({ status: 'fail' });
    expect(r.redis!.summary).toMatch(/a wrong password was accepted/);
    const down = await only(['redis'], { redisUrl: 'redis://:x@127.0.0.1:9' });
    expect(down.redis!.fix).toMatch(/not reachable/);
  });
});
