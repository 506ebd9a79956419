// The tray menu as a pure function of the control plane's state: items, labels, enabled flags, submenus and the
// action each click performs. The Electron shell only converts this tree into a Menu, so it is tested under Node.
import type { OverallStatus, ServiceStatus } from './health/aggregate.js';
import { normalizeModelName } from './models/model-name.js';
import type { ControlState } from './state.js';

export type MenuAction =
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'copy-key'; id: string; name: string }
  | { type: 'new-key' }
  | { type: 'pull'; name: string }
  | { type: 'cancel-pull'; name: string }
  | { type: 'run-readiness' }
  | { type: 'open-dashboard'; section?: 'models' | 'keys' | 'readiness' }
  | { type: 'open-logs' }
  | { type: 'quit' };

export interface MenuItem {
  id: string;
  label: string;
  enabled: boolean;
  kind: 'item' | 'separator' | 'submenu' | 'info';
  action?: MenuAction;
  submenu?: MenuItem[];
}

export type TrayState = Pick<
  ControlState,
  'health' | 'mode' | 'busy' | 'vaultKeys' | 'installed' | 'pulls' | 'catalog' | 'readiness'
>;

const STATUS_LABEL: Record<OverallStatus, string> = {
  stopped: 'Stopped',
  starting: 'Starting…',
  healthy: 'Running',
  degraded: 'Degraded',
  down: 'Down',
};

const SERVICE_MARK: Record<ServiceStatus, string> = {
  healthy: '●',
  starting: '◐',
  degraded: '◑',
  unhealthy: '✕',
  stopped: '○',
  unknown: '?',
};

let separators = 0;
const separator = (): MenuItem => ({ id: `sep-${(separators += 1)}`, label: '', enabled: false, kind: 'separator' });
const info = (id: string, label: string): MenuItem => ({ id, label, enabled: false, kind: 'info' });

/** The tray icon image base name for a status (build/tray/<name>.png, @2x and Template variants beside it). */
export function trayIconName(status: OverallStatus): string {
  return `tray-${status}`;
}

export function trayTooltip(state: Pick<ControlState, 'health' | 'mode'>): string {
  const mode = state.mode === 'stack' ? 'stack' : 'embedded';
  return `LLM Gateway (${mode}) — ${state.health.summary}`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.round(bytes / 1e3)} KB`;
}

function serving(state: TrayState): boolean {
  return state.busy === null && (state.health.status === 'healthy' || state.health.status === 'degraded');
}

function lifecycleItems(state: TrayState): MenuItem[] {
  const what = state.mode === 'stack' ? 'stack' : 'gateway (embedded)';
  const status = state.health.status;
  const idle = state.busy === null;
  return [
    {
      id: 'start',
      label: state.busy === 'starting' ? `Starting ${what}…` : `Start ${what}`,
      // down: a start retries (the stack controller starts what is stopped and waits for health).
      enabled: idle && (status === 'stopped' || status === 'down'),
      kind: 'item',
      action: { type: 'start' },
    },
    {
      id: 'stop',
      label: state.busy === 'stopping' ? `Stopping ${what}…` : `Stop ${what}`,
      enabled: idle && status !== 'stopped',
      kind: 'item',
      action: { type: 'stop' },
    },
  ];
}

function servicesMenu(state: TrayState): MenuItem {
  const services = state.health.services;
  return {
    id: 'services',
    label: 'Services',
    enabled: services.length > 0,
    kind: 'submenu',
    // A known cause carries its fix (e.g. "Start Ollama …"): shown right under the service it concerns.
    submenu: services.flatMap((s) => [
      info(`service-${s.id}`, `${SERVICE_MARK[s.status]} ${s.label} — ${s.detail}`),
      ...(s.hint && s.status !== 'healthy' ? [info(`service-${s.id}-fix`, `    Fix: ${s.hint}`)] : []),
    ]),
  };
}

function keysMenu(state: TrayState): MenuItem {
  const items: MenuItem[] = state.vaultKeys.length
    ? state.vaultKeys.map((k) => ({
        id: `copy-key-${k.id}`,
        label: k.name,
        enabled: true,
        kind: 'item' as const,
        action: { type: 'copy-key' as const, id: k.id, name: k.name },
      }))
    : [info('copy-key-none', 'No keys created by this app yet')];
  return { id: 'copy-key', label: 'Copy API key', enabled: true, kind: 'submenu', submenu: items };
}

function modelsMenu(state: TrayState): MenuItem {
  const items: MenuItem[] = [];
  const pulling = new Map(
    state.pulls
      .filter((p) => ['queued', 'pulling', 'verifying'].includes(p.phase))
      .map((p) => [normalizeModelName(p.name), p]),
  );
  if (state.installed === null) items.push(info('models-unreachable', 'Ollama is not reachable'));
  else if (state.installed.length === 0) items.push(info('models-none', 'No models installed'));
  else {
    for (const m of state.installed) {
      items.push(info(`model-${m.name}`, `${m.name} — ${formatBytes(m.size)}${m.loaded ? ' (loaded)' : ''}`));
    }
  }
  if (pulling.size > 0) {
    items.push(separator());
    for (const p of pulling.values()) {
      const progress = p.phase === 'queued' ? 'queued' : `${p.percent.toFixed(0)}%`;
      items.push({
        id: `cancel-pull-${p.name}`,
        label: `Cancel pull of ${p.name} (${progress})`,
        enabled: true,
        kind: 'item',
        action: { type: 'cancel-pull', name: p.name },
      });
    }
  }
  const installed = new Set((state.installed ?? []).map((m) => normalizeModelName(m.name)));
  const catalog: MenuItem[] = state.catalog.map((entry) => {
    const key = normalizeModelName(entry.name);
    const pull = pulling.get(key);
    const suffix = installed.has(key)
      ? ' ✓ installed'
      : pull
        ? ` — pulling ${pull.percent.toFixed(0)}%`
        : ` — ${formatBytes(entry.size)}`;
    return {
      id: `pull-${entry.name}`,
      label: `${entry.title} (${entry.name})${suffix}`,
      // Without Ollama answering, a pull would only fail; installed or already-pulling models need nothing.
      enabled: state.installed !== null && !installed.has(key) && !pull,
      kind: 'item',
      action: { type: 'pull', name: entry.name },
    };
  });
  items.push(separator(), {
    id: 'pull-catalog',
    label: 'Pull from catalog',
    enabled: state.installed !== null,
    kind: 'submenu',
    submenu: catalog,
  });
  items.push({
    id: 'models-manage',
    label: 'Manage models…',
    enabled: true,
    kind: 'item',
    action: { type: 'open-dashboard', section: 'models' },
  });
  return {
    id: 'models',
    label: pulling.size ? `Models (${pulling.size} pulling)` : 'Models',
    enabled: true,
    kind: 'submenu',
    submenu: items,
  };
}

/** When the stack cannot reach Ollama, the fix is on the menu's first level: it is the one thing to do. */
function ollamaFix(state: TrayState): MenuItem[] {
  const ollama = state.health.services.find((s) => s.id === 'ollama');
  return ollama?.hint && ollama.status !== 'healthy' ? [info('ollama-fix', `Ollama: ${ollama.hint}`)] : [];
}

export function trayMenu(state: TrayState): MenuItem[] {
  separators = 0;
  const canServe = serving(state);
  return [
    info('status', `LLM Gateway — ${STATUS_LABEL[state.health.status]}`),
    ...(state.health.status !== 'stopped' && state.health.status !== 'healthy'
      ? [info('status-detail', state.health.summary)]
      : []),
    ...ollamaFix(state),
    ...lifecycleItems(state),
    servicesMenu(state),
    separator(),
    keysMenu(state),
    { id: 'new-key', label: 'New key…', enabled: canServe, kind: 'item', action: { type: 'new-key' } },
    modelsMenu(state),
    {
      id: 'readiness',
      label: state.readiness.running ? 'Running readiness suite…' : 'Run readiness suite',
      enabled: canServe && !state.readiness.running,
      kind: 'item',
      action: { type: 'run-readiness' },
    },
    separator(),
    { id: 'open-dashboard', label: 'Open dashboard', enabled: true, kind: 'item', action: { type: 'open-dashboard' } },
    { id: 'open-logs', label: 'Open logs folder', enabled: true, kind: 'item', action: { type: 'open-logs' } },
    separator(),
    { id: 'quit', label: 'Quit', enabled: true, kind: 'item', action: { type: 'quit' } },
  ];
}

/** Finds an item anywhere in the tree (tests and the shell's click routing). */
export function findItem(items: MenuItem[], id: string): MenuItem | undefined {
  for (const item of items) {
    if (item.id === id) return item;
    const inner = item.submenu && findItem(item.submenu, id);
    if (inner) return inner;
  }
  return undefined;
}
