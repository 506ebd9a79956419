// The aggregated status, case by case: stack containers × readiness × Ollama × start/stop in progress, embedded mode.
import { describe, expect, it } from 'vitest';
import { planOllamaRoute } from '../../stack/ollama-route.js';
import { aggregateHealth, serviceFromContainers, type ContainerView, type HealthInputs } from './aggregate.js';
import { diagnoseOllama } from './ollama-reach.js';

const c = (service: string, replica = 1, state = 'running', health = 'healthy'): ContainerView => ({
  name: service === 'api-gateway' ? `llm-gateway-api-gateway-${replica}` : `llm-gateway-${service}`,
  service,
  replica,
  state,
  health,
});
const stack = (over: Partial<Record<string, ContainerView[]>> = {}): ContainerView[] => [
  ...(over.nginx ?? [c('nginx')]),
  ...(over['api-gateway'] ?? [c('api-gateway', 1), c('api-gateway', 2), c('api-gateway', 3)]),
  ...(over.postgres ?? [c('postgres')]),
  ...(over.redis ?? [c('redis')]),
];
const READY = { reachable: true as const, ok: true, failing: [] };
const OLLAMA = { ok: true as const, version: '0.6.5' };
const inputs = (over: Partial<HealthInputs>): HealthInputs => ({
  mode: 'stack',
  transition: null,
  containers: stack(),
  ready: READY,
  ollama: OLLAMA,
  ...over,
});
const status = (over: Partial<HealthInputs>) => aggregateHealth(inputs(over)).status;

describe('aggregateHealth — stack mode', () => {
  it('healthy: every container healthy, ready, Ollama answers', () => {
    const h = aggregateHealth(inputs({}));
    expect(h.status).toBe('healthy');
    expect(h.services.map((s) => [s.id, s.status])).toEqual([
      ['nginx', 'healthy'],
      ['api-gateway', 'healthy'],
      ['postgres', 'healthy'],
      ['redis', 'healthy'],
      ['ollama', 'healthy'],
    ]);
    expect(h.services[1]!.replicas).toEqual({ running: 3, total: 3 });
  });

  it('stopped: no containers, or none running', () => {
    expect(status({ containers: [], ready: { reachable: false, error: 'ECONNREFUSED' } })).toBe('stopped');
    expect(aggregateHealth(inputs({ containers: [] })).summary).toBe('Stack not created');
    const exited = stack().map((x) => ({ ...x, state: 'exited', health: 'none' }));
    expect(status({ containers: exited, ready: { reachable: false, error: 'ECONNREFUSED' } })).toBe('stopped');
  });

  it('starting: a start in progress, or containers still becoming healthy before the gateway is ready', () => {
    expect(status({ containers: [], transition: 'starting', ready: null })).toBe('starting');
    const warming = stack({ nginx: [c('nginx', 1, 'running', 'starting')], postgres: [c('postgres')] });
    expect(status({ containers: warming, ready: { reachable: false, error: 'ECONNREFUSED' } })).toBe('starting');
    expect(status({ containers: warming, ready: null })).toBe('starting');
    expect(status({ transition: 'starting', ready: { reachable: false, error: 'x' } })).toBe('starting');
  });

  it('a start in progress reports healthy as soon as everything is', () => {
    expect(status({ transition: 'starting' })).toBe('healthy');
  });

  it('stopping reads as stopped with a "Stopping…" summary', () => {
    const h = aggregateHealth(inputs({ transition: 'stopping' }));
    expect([h.status, h.summary]).toEqual(['stopped', 'Stopping…']);
  });

  it('degraded: one replica down, unhealthy or restarting while the gateway serves', () => {
    for (const bad of [c('api-gateway', 2, 'exited', 'none'), c('api-gateway', 2, 'running', 'unhealthy')]) {
      const h = aggregateHealth(
        inputs({ containers: stack({ 'api-gateway': [c('api-gateway', 1), bad, c('api-gateway', 3)] }) }),
      );
      expect(h.status).toBe('degraded');
      expect(h.services.find((s) => s.id === 'api-gateway')).toMatchObject({
        status: 'degraded',
        replicas: { running: 2, total: 3 },
      });
    }
    expect(
      status({
        containers: stack({ 'api-gateway': [c('api-gateway', 1), c('api-gateway', 2, 'restarting', 'none')] }),
      }),
    ).toBe('degraded');
  });

  it('degraded: Ollama unreachable (the gateway still answers; /health/ready fails only on upstreams)', () => {
    const h = aggregateHealth(
      inputs({
        ollama: { ok: false, error: 'ECONNREFUSED' },
        ready: { reachable: true, ok: false, failing: ['upstreams'] },
      }),
    );
    expect(h.status).toBe('degraded');
    expect(h.summary).toMatch(/Ollama/);
  });

  it('down: an essential service stopped or unhealthy, or the gateway not ready for its own reasons', () => {
    expect(
      status({
        containers: stack({ postgres: [c('postgres', 1, 'exited', 'none')] }),
        ready: { reachable: true, ok: false, failing: ['store'] },
      }),
    ).toBe('down');
    expect(
      status({
        containers: stack({ nginx: [c('nginx', 1, 'exited', 'none')] }),
        ready: { reachable: false, error: 'ECONNREFUSED' },
      }),
    ).toBe('down');
    expect(status({ containers: stack({ redis: [c('redis', 1, 'running', 'unhealthy')] }) })).toBe('down');
    const allGatewaysDown = stack({ 'api-gateway': [1, 2, 3].map((n) => c('api-gateway', n, 'exited', 'none')) });
    expect(status({ containers: allGatewaysDown, ready: { reachable: true, ok: false, failing: ['HTTP 502'] } })).toBe(
      'down',
    );
    expect(status({ ready: { reachable: true, ok: false, failing: ['limiter'] } })).toBe('down');
    expect(
      aggregateHealth(inputs({ containers: stack({ postgres: [c('postgres', 1, 'exited', 'none')] }) })).summary,
    ).toMatch(/PostgreSQL down/);
  });

  it('down: Docker Engine unreachable', () => {
    const h = aggregateHealth(inputs({ containers: null, ready: { reachable: false, error: 'x' } }));
    expect([h.status, h.summary]).toEqual(['down', 'Docker Engine is not reachable']);
  });

  it("uses the stack's own ollama container when present", () => {
    const h = aggregateHealth(inputs({ containers: [...stack(), c('ollama', 1, 'running', 'starting')] }));
    expect(h.services.filter((s) => s.id === 'ollama')).toHaveLength(1);
    expect(h.status).toBe('degraded');
  });
});

describe('aggregateHealth — embedded and none', () => {
  const embedded = (over: Partial<HealthInputs>) => inputs({ mode: 'embedded', containers: [], ...over });

  it('healthy / degraded / down / starting', () => {
    expect(aggregateHealth(embedded({})).status).toBe('healthy');
    expect(aggregateHealth(embedded({})).services.map((s) => s.id)).toEqual(['gateway', 'ollama']);
    expect(
      aggregateHealth(
        embedded({
          ollama: { ok: false, error: 'refused' },
          ready: { reachable: true, ok: false, failing: ['upstreams'] },
        }),
      ).status,
    ).toBe('degraded');
    expect(aggregateHealth(embedded({ ready: { reachable: true, ok: false, failing: ['store'] } })).status).toBe(
      'down',
    );
    expect(aggregateHealth(embedded({ ready: { reachable: false, error: 'ECONNREFUSED' } })).status).toBe('down');
    expect(aggregateHealth(embedded({ ready: null })).status).toBe('starting');
    expect(aggregateHealth(embedded({ transition: 'starting', ready: { reachable: false, error: 'x' } })).status).toBe(
      'starting',
    );
  });

  it('nothing running is stopped, with Ollama still reported', () => {
    const h = aggregateHealth(
      inputs({ mode: 'none', containers: [], ready: null, ollama: { ok: false, error: 'refused' } }),
    );
    expect(h.status).toBe('stopped');
    expect(h.services).toEqual([expect.objectContaining({ id: 'ollama', status: 'unhealthy' })]);
    expect(aggregateHealth(inputs({ mode: 'none', transition: 'starting' })).status).toBe('starting');
  });
});

describe('serviceFromContainers', () => {
  it('names the state of a single stopped or missing service', () => {
    expect(serviceFromContainers('redis', [])).toMatchObject({ status: 'stopped', detail: 'no container' });
    expect(serviceFromContainers('redis', [c('redis', 1, 'exited', 'none')])).toMatchObject({
      status: 'stopped',
      detail: 'exited',
    });
    expect(serviceFromContainers('redis', [c('redis', 1, 'running', 'none')])).toMatchObject({ status: 'healthy' });
  });
});

describe('aggregateHealth — the stack cannot reach Ollama', () => {
  const route = planOllamaRoute({
    platform: 'linux',
    urls: 'http://host.docker.internal:11434',
    bridgeGateway: '172.17.0.1',
  });
  const withForwarder = [...stack(), c('ollama-forwarder')];

  it('the reach diagnosis supersedes the host probe: degraded, with what was tried and the fix', () => {
    const reach = diagnoseOllama({
      route,
      host: { ok: false, error: 'ECONNREFUSED' },
      relay: { ok: false, error: 'ECONNREFUSED' },
      forwarder: { state: 'running', health: 'healthy' },
    });
    const h = aggregateHealth(
      inputs({
        containers: withForwarder,
        ollama: OLLAMA,
        reach,
        ready: { reachable: true, ok: false, failing: ['upstreams'] },
      }),
    );
    expect(h.status).toBe('degraded');
    const ollama = h.services.find((s) => s.id === 'ollama')!;
    expect(ollama).toMatchObject({
      status: 'unhealthy',
      detail: expect.stringContaining('nothing answers at 127.0.0.1:11434'),
      hint: expect.stringContaining('ollama serve'),
    });
    expect(h.summary).toContain('Ollama: Ollama is not running');
    expect(h.services.find((s) => s.id === 'ollama-forwarder')).toMatchObject({
      label: 'Ollama forwarder',
      status: 'healthy',
    });
  });

  it('a working relay reads as healthy with the route in the detail; embedded mode ignores the reach', () => {
    const reach = diagnoseOllama({
      route,
      host: OLLAMA,
      relay: OLLAMA,
      forwarder: { state: 'running', health: 'healthy' },
    });
    const h = aggregateHealth(inputs({ containers: withForwarder, reach }));
    expect(h.status).toBe('healthy');
    expect(h.services.find((s) => s.id === 'ollama')!.detail).toContain('through the forwarder 172.17.0.1:11434');
    const bad = diagnoseOllama({ route, host: OLLAMA, relay: { ok: false, error: 'ECONNREFUSED' }, forwarder: null });
    expect(
      aggregateHealth({ mode: 'embedded', transition: null, containers: [], ready: READY, ollama: OLLAMA, reach: bad })
        .status,
    ).toBe('healthy');
  });
});
