// The tray menu model for each state: which items exist, their labels, enabled flags and actions.
import { describe, expect, it } from 'vitest';
import { aggregateHealth, type HealthSnapshot } from './health/aggregate.js';
import { CATALOG } from './models/catalog.js';
import type { InstalledModel } from './models/ollama-client.js';
import type { PullState } from './models/pull-progress.js';
import { diagnoseOllama } from './health/ollama-reach.js';
import { planOllamaRoute } from '../stack/ollama-route.js';
import { findItem, trayIconName, trayMenu, trayTooltip, type MenuItem, type TrayState } from './tray-menu.js';

const health = (status: HealthSnapshot['status']): HealthSnapshot => ({
  status,
  summary: status,
  mode: 'stack',
  transition: null,
  services: aggregateHealth({ mode: 'stack', transition: null, containers: [], ready: null, ollama: null }).services,
});
const model = (name: string, loaded = false): InstalledModel => ({
  name,
  size: 1_300_000_000,
  digest: '',
  modifiedAt: '',
  family: 'llama',
  parameterSize: '1B',
  quantization: 'Q4',
  contextLength: 8192,
  capabilities: ['completion'],
  loaded,
});
const state = (over: Partial<TrayState> = {}): TrayState => ({
  health: health('healthy'),
  mode: 'stack',
  busy: null,
  vaultKeys: [{ id: 'key_1', name: 'my-app' }],
  installed: [model('llama3.2:1b', true)],
  pulls: [],
  catalog: CATALOG,
  readiness: { running: false, last: null },
  ...over,
});
const item = (menu: MenuItem[], id: string) => {
  const found = findItem(menu, id);
  if (!found) throw new Error(`no item ${id}`);
  return found;
};
const enabled = (menu: MenuItem[], id: string) => item(menu, id).enabled;

describe('trayMenu', () => {
  it('has the items in order, ending with Quit', () => {
    const ids = trayMenu(state())
      .filter((i) => i.kind !== 'separator')
      .map((i) => i.id);
    expect(ids).toEqual([
      'status',
      'start',
      'stop',
      'services',
      'copy-key',
      'new-key',
      'models',
      'readiness',
      'open-dashboard',
      'open-logs',
      'quit',
    ]);
  });

  it.each([
    ['stopped', true, false, false],
    ['starting', false, true, false],
    ['healthy', false, true, true],
    ['degraded', false, true, true],
    ['down', true, true, false],
  ] as const)('%s: start %s, stop %s, new key / readiness %s', (status, start, stop, serving) => {
    const menu = trayMenu(state({ health: health(status) }));
    expect(enabled(menu, 'start')).toBe(start);
    expect(enabled(menu, 'stop')).toBe(stop);
    expect(enabled(menu, 'new-key')).toBe(serving);
    expect(enabled(menu, 'readiness')).toBe(serving);
    expect(item(menu, 'status').label).toMatch(/^LLM Gateway — /);
    for (const always of ['copy-key', 'open-dashboard', 'open-logs', 'quit', 'models'])
      expect(enabled(menu, always)).toBe(true);
  });

  it('while starting or stopping, both lifecycle items are disabled and say so', () => {
    const starting = trayMenu(state({ busy: 'starting', health: health('starting') }));
    expect([item(starting, 'start').label, enabled(starting, 'start'), enabled(starting, 'stop')]).toEqual([
      'Starting stack…',
      false,
      false,
    ]);
    const stopping = trayMenu(state({ busy: 'stopping' }));
    expect([item(stopping, 'stop').label, enabled(stopping, 'stop'), enabled(stopping, 'new-key')]).toEqual([
      'Stopping stack…',
      false,
      false,
    ]);
  });

  it('names the embedded gateway in embedded mode', () => {
    expect(item(trayMenu(state({ mode: 'embedded', health: health('stopped') })), 'start').label).toBe(
      'Start gateway (embedded)',
    );
  });

  it('lists per-service health as information items', () => {
    const services = item(trayMenu(state()), 'services').submenu!;
    expect(services.map((s) => s.id)).toEqual([
      'service-nginx',
      'service-api-gateway',
      'service-postgres',
      'service-redis',
      'service-ollama',
    ]);
    expect(services.every((s) => s.kind === 'info' && !s.enabled)).toBe(true);
  });

  it('offers the vault keys by name to copy, or says there are none', () => {
    const copy = item(trayMenu(state()), 'copy-key').submenu!;
    expect(copy).toEqual([
      expect.objectContaining({
        label: 'my-app',
        enabled: true,
        action: { type: 'copy-key', id: 'key_1', name: 'my-app' },
      }),
    ]);
    const none = item(trayMenu(state({ vaultKeys: [] })), 'copy-key').submenu!;
    expect(none).toEqual([expect.objectContaining({ enabled: false, label: 'No keys created by this app yet' })]);
  });

  it('shows installed models and a catalog where installed and pulling models cannot be pulled again', () => {
    const pull: PullState = {
      name: 'mistral:7b',
      phase: 'pulling',
      status: 'pulling',
      layers: [],
      completed: 1,
      total: 2,
      percent: 42.4,
      bytesPerSecond: 1,
      etaSeconds: 1,
      startedAt: '',
      updatedAt: '',
    };
    const menu = trayMenu(state({ pulls: [pull] }));
    const models = item(menu, 'models');
    expect(models.label).toBe('Models (1 pulling)');
    expect(item(menu, 'model-llama3.2:1b').label).toBe('llama3.2:1b — 1.3 GB (loaded)');
    expect(item(menu, 'cancel-pull-mistral:7b')).toMatchObject({
      label: 'Cancel pull of mistral:7b (42%)',
      enabled: true,
      action: { type: 'cancel-pull', name: 'mistral:7b' },
    });
    expect(enabled(menu, 'pull-llama3.2:1b')).toBe(false);
    expect(item(menu, 'pull-llama3.2:1b').label).toMatch(/installed/);
    expect(enabled(menu, 'pull-mistral:7b')).toBe(false);
    expect(item(menu, 'pull-mistral:7b').label).toMatch(/pulling 42%/);
    expect(item(menu, 'pull-phi3:mini')).toMatchObject({ enabled: true, action: { type: 'pull', name: 'phi3:mini' } });
  });

  it('says when Ollama is unreachable and disables pulling', () => {
    const menu = trayMenu(state({ installed: null }));
    expect(item(menu, 'models-unreachable').label).toBe('Ollama is not reachable');
    expect(enabled(menu, 'pull-catalog')).toBe(false);
  });

  it('disables the readiness item while a run is going', () => {
    const menu = trayMenu(state({ readiness: { running: true, last: null } }));
    expect([item(menu, 'readiness').label, enabled(menu, 'readiness')]).toEqual(['Running readiness suite…', false]);
  });

  it('gives an icon and tooltip per status', () => {
    expect(trayIconName('degraded')).toBe('tray-degraded');
    expect(trayTooltip({ health: { ...health('healthy'), summary: 'Running' }, mode: 'stack' })).toBe(
      'LLM Gateway (stack) — Running',
    );
  });
});

describe('trayMenu — the stack cannot reach Ollama', () => {
  it('shows the diagnosis under Services and the fix on the first level', () => {
    const route = planOllamaRoute({
      platform: 'linux',
      urls: 'http://host.docker.internal:11434',
      bridgeGateway: '172.17.0.1',
    });
    const reach = diagnoseOllama({
      route,
      host: { ok: true, version: '0.12.0' },
      relay: { ok: false, error: 'ECONNREFUSED' },
      forwarder: { state: 'exited', health: 'none' },
    });
    const containers = ['nginx', 'api-gateway', 'postgres', 'redis'].map((service) => ({
      name: service,
      service,
      replica: 1,
      state: 'running',
      health: 'healthy',
    }));
    const snapshot = aggregateHealth({
      mode: 'stack',
      transition: null,
      containers: [
        ...containers,
        { name: 'f', service: 'ollama-forwarder', replica: 1, state: 'exited', health: 'none' },
      ],
      ready: { reachable: true, ok: false, failing: ['upstreams'] },
      ollama: { ok: true, version: '0.12.0' },
      reach,
    });
    const menu = trayMenu(state({ health: snapshot }));
    expect(item(menu, 'status').label).toBe('LLM Gateway — Degraded');
    expect(item(menu, 'ollama-fix').label).toContain('llm-gateway up');
    expect(item(menu, 'service-ollama').label).toContain('ollama-forwarder container is exited');
    expect(item(menu, 'service-ollama-fix').label).toContain('Fix: Run `llm-gateway up`');
    expect(item(menu, 'service-ollama-forwarder').label).toContain('Ollama forwarder — exited');
    // Healthy: no fix line anywhere.
    expect(findItem(trayMenu(state()), 'ollama-fix')).toBeUndefined();
  });
});
