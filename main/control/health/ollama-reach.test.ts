// The Ollama reach diagnosis: each way the stack can fail to reach Ollama names the address tried, where Ollama
// listens and the fix; the probes run against a real HTTP server (the Ollama test upstream).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../../../test/fixtures/ollama-upstream/index.js';
import { planOllamaRoute } from '../../stack/ollama-route.js';
import { diagnoseOllama, probeOllamaReach, reachLine } from './ollama-reach.js';

const linux = planOllamaRoute({
  platform: 'linux',
  urls: 'http://host.docker.internal:11434',
  bridgeGateway: '172.17.0.1',
});
const up = { ok: true as const, version: '0.12.0' };
const refused = { ok: false as const, error: 'ECONNREFUSED' };
const running = { state: 'running', health: 'healthy' };

describe('diagnoseOllama', () => {
  it('Linux, forwarder relays: ok', () => {
    expect(diagnoseOllama({ route: linux, host: up, relay: up, forwarder: running })).toMatchObject({
      ok: true,
      summary: expect.stringContaining('172.17.0.1:11434 → 127.0.0.1:11434'),
    });
  });

  it('Linux, Ollama not running: names both addresses and says how to start it', () => {
    const reach = diagnoseOllama({ route: linux, host: refused, relay: refused, forwarder: running });
    expect(reach).toMatchObject({
      ok: false,
      code: 'ollama_not_running',
      listens: 'nothing answers at 127.0.0.1:11434 (ECONNREFUSED)',
    });
    if (reach.ok !== false) throw new Error('expected a failure');
    expect(reach.tried).toContain('172.17.0.1:11434');
    expect(reach.hint).toContain('ollama serve');
    expect(reachLine(reach)).toContain('fix: Start Ollama');
  });

  it('Linux, Ollama up but the forwarder stopped or missing: run up', () => {
    for (const forwarder of [{ state: 'exited', health: 'none' }, null]) {
      const reach = diagnoseOllama({ route: linux, host: up, relay: refused, forwarder });
      expect(reach).toMatchObject({
        ok: false,
        code: 'ollama_forwarder_down',
        listens: 'Ollama 0.12.0 answers at 127.0.0.1:11434',
      });
      if (reach.ok !== false) throw new Error('expected a failure');
      expect(reach.message).toContain(forwarder ? 'is exited' : 'is missing');
      expect(reach.hint).toContain('llm-gateway up');
    }
  });

  it('Linux, forwarder running but the bridge address silent: points at the firewall', () => {
    const reach = diagnoseOllama({
      route: linux,
      host: up,
      relay: { ok: false, error: 'ETIMEDOUT' },
      forwarder: running,
    });
    expect(reach).toMatchObject({
      ok: false,
      code: 'ollama_forwarder_down',
      hint: expect.stringContaining('firewall'),
    });
  });

  it('Docker Desktop: the host probe is the path; not running → start Ollama', () => {
    const mac = planOllamaRoute({ platform: 'darwin', urls: 'http://host.docker.internal:11434', bridgeGateway: null });
    expect(diagnoseOllama({ route: mac, host: up, relay: null, forwarder: null })).toMatchObject({ ok: true });
    expect(diagnoseOllama({ route: mac, host: refused, relay: null, forwarder: null })).toMatchObject({
      ok: false,
      code: 'ollama_not_running',
      tried: expect.stringContaining('Docker Desktop'),
    });
  });

  it('Linux without a bridge address: tells to set OLLAMA_URLS; user URLs elsewhere are left to the gateways', () => {
    const nobridge = planOllamaRoute({
      platform: 'linux',
      urls: 'http://host.docker.internal:11434',
      bridgeGateway: null,
    });
    expect(diagnoseOllama({ route: nobridge, host: up, relay: null, forwarder: null })).toMatchObject({
      ok: false,
      code: 'ollama_unreachable_from_stack',
      hint: expect.stringContaining('OLLAMA_URLS'),
    });
    const custom = planOllamaRoute({ platform: 'linux', urls: 'http://ollama:11434', bridgeGateway: '172.17.0.1' });
    expect(diagnoseOllama({ route: custom, host: refused, relay: null, forwarder: null })).toMatchObject({
      ok: null,
      tried: 'http://ollama:11434',
    });
  });
});

describe('probeOllamaReach (real HTTP)', () => {
  let upstream: OllamaUpstream;
  let deadPort: number;
  beforeAll(async () => {
    upstream = await startOllamaUpstream({ host: '127.0.0.1' });
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    deadPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
  });
  afterAll(() => upstream?.close());

  it('reaches the relay address → ok; a dead relay with a live host → forwarder down', async () => {
    const route = { ...linux, forwarder: { listen: `127.0.0.1:${upstream.port}`, target: '127.0.0.1:11434' } };
    expect(
      await probeOllamaReach(route, [{ service: 'ollama-forwarder', ...running }], { hostUrl: upstream.url }),
    ).toMatchObject({ ok: true });
    const dead = { ...linux, forwarder: { listen: `127.0.0.1:${deadPort}`, target: '127.0.0.1:11434' } };
    expect(await probeOllamaReach(dead, [], { hostUrl: upstream.url })).toMatchObject({
      ok: false,
      code: 'ollama_forwarder_down',
    });
    expect(await probeOllamaReach(dead, [], { hostUrl: `http://127.0.0.1:${deadPort}` })).toMatchObject({
      ok: false,
      code: 'ollama_not_running',
      listens: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
