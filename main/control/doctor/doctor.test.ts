// The doctor's checks, each failing state produced for real: a port held by a listener on 127.0.0.1, secret files
// and a data folder with open modes in a temp LLMGW_HOME, an Ollama URL at a closed port, DOCKER_HOST pointing at a
// socket that does not exist, OLLAMA_URLS on loopback, a database file that is not SQLite or is from a newer build.
// The passing states run against the Ollama test upstream and this machine's Docker Engine (it must be running).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_VERSION, openStore } from '../../../gateway/src/index.js';
import { startOllamaUpstream, type OllamaUpstream } from '../../../test/fixtures/ollama-upstream/index.js';
import { StackController } from '../../stack/controller.js';
import type { ContainerStatus } from '../../stack/containers.js';
import { checkEmbeddedDatabase } from './database-check.js';
import { checkEngine, clockCheck } from './docker-checks.js';
import { renderDoctor, runDoctor } from './doctor.js';
import { checkDataFolder, checkSecrets } from './file-checks.js';
import {
  findOnPath,
  hostCheck,
  installedCheck,
  modelsCheck,
  probeHostOllama,
  stackReachCheck,
} from './ollama-checks.js';
import { checkPorts } from './port-checks.js';

let upstream: OllamaUpstream;
const homes: string[] = [];
const tempHome = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-doctor-'));
  homes.push(dir);
  return dir;
};
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
const NO_DOCKER = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/llmgw-doctor/docker.sock' };

beforeAll(async () => {
  upstream = await startOllamaUpstream();
});
afterAll(async () => {
  await upstream.close();
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

describe('ports', () => {
  let holder: net.Server | undefined;
  afterEach(() => holder?.close());

  it('a port held by another program fails and says how to find it and move the stack', async () => {
    holder = net.createServer();
    const port = await new Promise<number>((resolve) =>
      holder!.listen(0, '127.0.0.1', () => resolve((holder!.address() as net.AddressInfo).port)),
    );
    const [check] = await checkPorts([{ service: 'nginx', host: '127.0.0.1', port, setting: 'LLMGW_PORT' }], []);
    expect(check).toMatchObject({ id: 'ports.nginx', ok: false });
    expect(check!.detail).toContain(`127.0.0.1:${port} is in use by another program`);
    expect(check!.fix).toContain('LLMGW_PORT');
  });

  it('a free port passes; a port our running stack publishes passes and names the container', async () => {
    const port = await closedPort();
    const ours: ContainerStatus = {
      id: 'x',
      name: 'llm-gateway-redis',
      service: 'redis',
      replica: 1,
      image: 'redis',
      state: 'running',
      health: 'healthy',
      ports: [{ hostIp: '127.0.0.1', hostPort: port, containerPort: 6379 }],
      startedAt: null,
      uptimeS: 5,
    };
    const [free] = await checkPorts([{ service: 'redis', host: '127.0.0.1', port, setting: 'REDIS_PORT' }], []);
    expect(free).toMatchObject({ ok: true, detail: 'free on 127.0.0.1' });
    holder = net.createServer();
    await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', () => resolve()));
    const [held] = await checkPorts([{ service: 'redis', host: '127.0.0.1', port, setting: 'REDIS_PORT' }], [ours]);
    expect(held).toMatchObject({ ok: true, detail: 'held by our stack: llm-gateway-redis' });
    const [app] = await checkPorts(
      [{ service: 'nginx', host: '127.0.0.1', port, setting: 'LLMGW_PORT' }],
      [],
      new Map([[port, "this app's embedded gateway"]]),
    );
    expect(app).toMatchObject({ ok: true, detail: "held by this app's embedded gateway" });
  });
});

describe('data folder and secrets', () => {
  it('a secret file with mode 0644 fails with the chmod to run; 0600 passes', () => {
    const home = tempHome();
    chmodSync(home, 0o700);
    const env = path.join(home, 'stack.env');
    writeFileSync(env, 'ADMIN_TOKEN=x\n', { mode: 0o644 });
    chmodSync(env, 0o644);
    const open = checkSecrets(home, 'linux');
    expect(open).toMatchObject({ id: 'files.secrets', ok: false });
    expect(open.detail).toContain(`${env} (mode 644)`);
    expect(open.fix).toBe(`Run \`chmod 600 '${env}'\`.`);
    chmodSync(env, 0o600);
    expect(checkSecrets(home, 'linux')).toMatchObject({ ok: true, detail: 'stack.env: mode 0600' });
  });

  it('a data folder others can enter fails; a missing one passes (created 0700 later)', () => {
    const home = tempHome();
    chmodSync(home, 0o755);
    expect(checkDataFolder(home, 'linux')).toMatchObject({ ok: false, fix: `Run \`chmod 700 '${home}'\`.` });
    chmodSync(home, 0o700);
    expect(checkDataFolder(home, 'linux').ok).toBe(true);
    expect(checkDataFolder(path.join(home, 'not-yet'), 'linux')).toMatchObject({ ok: true });
  });
});

describe('embedded database', () => {
  it('missing passes; a store the gateway made is current; a file that is not SQLite fails with the fix', async () => {
    const home = tempHome();
    expect(checkEmbeddedDatabase(home).ok).toBe(true);
    const store = await openStore({ sqlitePath: path.join(home, 'embedded.db') });
    await store.close();
    expect(checkEmbeddedDatabase(home)).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`schema version ${LATEST_VERSION} (current)`),
    });
    const broken = tempHome();
    writeFileSync(path.join(broken, 'embedded.db'), 'this is not a database, just text '.repeat(200));
    const check = checkEmbeddedDatabase(broken);
    expect(check).toMatchObject({ ok: false });
    expect(check.detail).toContain('does not open as a database');
    expect(check.fix).toContain('.broken');
  });

  it('a schema newer than this build fails', () => {
    const home = tempHome();
    const db = new Database(path.join(home, 'embedded.db'));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at INTEGER)');
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(LATEST_VERSION + 1, 'future', Date.now());
    db.close();
    expect(checkEmbeddedDatabase(home)).toMatchObject({
      ok: false,
      detail: expect.stringContaining(`newer than this build's ${LATEST_VERSION}`),
    });
  });
});

describe('Ollama from this computer', () => {
  it('an Ollama URL at a closed port fails reachability; models are not checked; not installed', async () => {
    const host = await probeHostOllama(`http://127.0.0.1:${await closedPort()}`, 1_000);
    const reach = hostCheck(host);
    expect(reach).toMatchObject({ id: 'ollama.host', ok: false, detail: expect.stringContaining('ECONNREFUSED') });
    expect(reach.fix).toContain('ollama serve');
    expect(modelsCheck(host, reach)).toMatchObject({
      ok: false,
      fix: 'Fix "Ollama reachable from this computer" first.',
    });
    expect(installedCheck(findOnPath('ollama', { PATH: '' }, 'linux'), host)).toMatchObject({ ok: false });
  });

  it('the test upstream: reachable with its version, its models listed; installed without a binary', async () => {
    const host = await probeHostOllama(upstream.url, 2_000);
    expect(hostCheck(host)).toMatchObject({ ok: true, detail: expect.stringMatching(/^Ollama \S+ answers at /) });
    expect(modelsCheck(host, hostCheck(host))).toMatchObject({
      ok: true,
      detail: expect.stringContaining(upstream.models[0]!.name),
    });
    expect(installedCheck(null, host)).toMatchObject({ ok: true, detail: expect.stringContaining('not on PATH') });
  });

  it('no models installed fails with a pull to run', async () => {
    const empty = await startOllamaUpstream({ models: [] });
    try {
      const host = await probeHostOllama(empty.url, 2_000);
      expect(modelsCheck(host, hostCheck(host))).toMatchObject({
        ok: false,
        fix: expect.stringContaining('ollama pull'),
      });
    } finally {
      await empty.close();
    }
  });

  it('finds an executable on PATH', () => {
    const dir = tempHome();
    const bin = path.join(dir, 'ollama');
    writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
    expect(findOnPath('ollama', { PATH: `/nonexistent:${dir}` }, 'linux')).toBe(bin);
  });
});

describe('Docker', () => {
  it('DOCKER_HOST pointing nowhere fails the engine check with the start-Docker fix', async () => {
    const { check, engine } = await checkEngine(NO_DOCKER, 'linux');
    expect(engine).toBeNull();
    expect(check).toMatchObject({ id: 'docker.engine', ok: false });
    expect(check.detail).toContain('/nonexistent/llmgw-doctor/docker.sock');
    expect(check.fix).toContain('Start Docker');
  });

  it("this machine's Engine passes with its version", async () => {
    const { check } = await checkEngine(process.env, process.platform);
    expect(check).toMatchObject({ ok: true, detail: expect.stringMatching(/^Docker Engine \S+ at /) });
  });

  it('clock skew beyond 30 s fails; within passes', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(clockCheck(now, now + 10, '2026-01-01T00:00:05Z').ok).toBe(true);
    const ahead = clockCheck(now, now + 10, '2026-01-01T00:02:00Z');
    expect(ahead).toMatchObject({ ok: false, detail: expect.stringContaining('120.0 s ahead of') });
  });
});

describe('Ollama from the stack', () => {
  it('OLLAMA_URLS on 127.0.0.1 fails: inside a container that is the container itself', async () => {
    const env = { ...process.env, OLLAMA_URLS: upstream.url };
    const home = tempHome();
    const { check: engine } = await checkEngine(env, process.platform);
    const check = await stackReachCheck(new StackController({ env, home }), engine, 1_000);
    expect(check).toMatchObject({ id: 'ollama.stack', ok: false });
    expect(check.detail).toContain(`OLLAMA_URLS has ${upstream.url}`);
    expect(check.fix).toContain('host.docker.internal');
  });

  it('OLLAMA_URLS at an address that does not answer fails with the stack fix', async () => {
    const env = { ...process.env, OLLAMA_URLS: `http://192.0.2.1:${await closedPort()}` };
    const { check: engine } = await checkEngine(env, process.platform);
    const check = await stackReachCheck(new StackController({ env, home: tempHome() }), engine, 500);
    expect(check).toMatchObject({ ok: false, detail: expect.stringContaining('does not answer') });
    expect(check.fix).toContain('OLLAMA_URLS');
  });

  it('without a Docker Engine it is not checked and points at the engine check', async () => {
    const { check: engine } = await checkEngine(NO_DOCKER, 'linux');
    const check = await stackReachCheck(new StackController({ env: NO_DOCKER, home: tempHome() }), engine, 500);
    expect(check).toMatchObject({ ok: false, fix: 'Fix "Docker Engine" first.' });
  });
});

describe('runDoctor', () => {
  it('no Docker and a closed Ollama port: every check reported, not ok, the fixes printed under the ✗', async () => {
    const home = tempHome();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    chmodSync(home, 0o700);
    const report = await runDoctor({
      env: { ...NO_DOCKER, PATH: '' },
      home,
      platform: 'linux',
      ollamaUrl: `http://127.0.0.1:${await closedPort()}`,
      timeoutMs: 1_000,
    });
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => c.id)).toEqual([
      'docker.engine',
      'docker.compose',
      'ollama.installed',
      'ollama.host',
      'ollama.models',
      'ollama.stack',
      'ports.nginx',
      'ports.postgres',
      'ports.redis',
      'files.home',
      'files.secrets',
      'database.embedded',
      'clock',
    ]);
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.id);
    expect(failed).toEqual(expect.arrayContaining(['docker.engine', 'ollama.host', 'ollama.stack', 'clock']));
    const text = renderDoctor(report, false);
    expect(text).toContain('✗ Docker Engine: No Docker Engine answered');
    expect(text).toContain('    fix: Start Docker');
    expect(text).toMatch(/✓ Data folder: /);
    expect(text).toMatch(/\d+ checks failed/);
  });
});
