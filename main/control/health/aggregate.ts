// The one status the tray shows, as a pure function of what was observed: container states and health (stack
// mode), /health/ready through the gateway port, Ollama's /api/version, whether the stack's replicas can reach
// Ollama (the reach diagnosis, stack mode), and whether a start/stop is in progress.
//   stopped  — nothing is meant to run (no stack containers running, no embedded gateway)
//   starting — a start is in progress or containers are still becoming healthy, and the gateway is not ready yet
//   healthy  — the gateway is ready, every container is running and healthy, Ollama answers
//   degraded — the gateway serves but something is wrong (a replica down, Ollama unreachable)
//   down     — it should run but cannot serve (proxy/database/cache down, gateway unreachable, Docker gone)

import type { OllamaReach } from './ollama-reach.js';
import type {
  ContainerView,
  ReadyProbe,
  OllamaProbe,
  HealthInputs,
  ServiceHealth,
  HealthSnapshot,
} from '../../../common/protocol/views.js';
export type {
  OverallStatus,
  ServiceStatus,
  ContainerView,
  ReadyProbe,
  OllamaProbe,
  HealthInputs,
  ServiceHealth,
  HealthSnapshot,
} from '../../../common/protocol/views.js';

const LABELS: Record<string, string> = {
  nginx: 'Load balancer (Nginx)',
  'api-gateway': 'Gateway replicas',
  postgres: 'PostgreSQL',
  redis: 'Redis',
  ollama: 'Ollama',
  'ollama-forwarder': 'Ollama forwarder',
  gateway: 'Gateway (embedded)',
};
/** Without these the stack cannot answer a single request. */
const ESSENTIAL = ['nginx', 'api-gateway', 'postgres', 'redis'];
const SERVICE_ORDER = ['nginx', 'api-gateway', 'postgres', 'redis'];

function containerOk(c: ContainerView): boolean {
  return c.state === 'running' && (c.health === 'healthy' || c.health === 'none');
}

function containerStarting(c: ContainerView): boolean {
  return c.state === 'restarting' || c.state === 'created' || (c.state === 'running' && c.health === 'starting');
}

export function serviceFromContainers(id: string, list: ContainerView[]): ServiceHealth {
  const ok = list.filter(containerOk).length;
  const starting = list.filter(containerStarting).length;
  const total = list.length;
  const replicas = total > 1 ? { replicas: { running: ok, total } } : {};
  const label = LABELS[id] ?? id;
  if (total > 0 && ok === total)
    return { id, label, status: 'healthy', detail: total > 1 ? `${ok}/${total} healthy` : 'healthy', ...replicas };
  if (starting > 0) return { id, label, status: 'starting', detail: `${starting} of ${total} starting`, ...replicas };
  const unhealthy = list.find((c) => c.state === 'running' && c.health === 'unhealthy');
  if (ok > 0) return { id, label, status: 'degraded', detail: `${ok}/${total} healthy`, ...replicas };
  if (unhealthy) return { id, label, status: 'unhealthy', detail: `${unhealthy.name} is unhealthy`, ...replicas };
  const state = list[0]?.state ?? 'missing';
  return { id, label, status: 'stopped', detail: total === 0 ? 'no container' : state, ...replicas };
}

function ollamaService(probe: OllamaProbe | null, reach?: OllamaReach | null): ServiceHealth {
  if (reach && reach.ok === false)
    return { id: 'ollama', label: LABELS.ollama!, status: 'unhealthy', detail: reach.message, hint: reach.hint };
  if (reach && reach.ok === true)
    return { id: 'ollama', label: LABELS.ollama!, status: 'healthy', detail: reach.summary };
  if (!probe) return { id: 'ollama', label: LABELS.ollama!, status: 'unknown', detail: 'not checked yet' };
  return probe.ok
    ? { id: 'ollama', label: LABELS.ollama!, status: 'healthy', detail: `version ${probe.version}` }
    : { id: 'ollama', label: LABELS.ollama!, status: 'unhealthy', detail: probe.error };
}

/** Ready answers, failing only because of Ollama: the gateway itself serves. */
function readyServes(ready: ReadyProbe | null): boolean | null {
  if (!ready) return null;
  if (!ready.reachable) return false;
  return ready.ok || ready.failing.every((f) => f === 'upstreams');
}

function readyDetail(ready: ReadyProbe | null): string {
  if (!ready) return 'not checked yet';
  if (!ready.reachable) return `not reachable (${ready.error})`;
  return ready.ok ? 'ready' : `not ready: ${ready.failing.join(', ')}`;
}

export function aggregateHealth(input: HealthInputs): HealthSnapshot {
  const base = { mode: input.mode, transition: input.transition };
  const reach = input.mode === 'stack' ? input.reach : null;
  const ollama = ollamaService(input.ollama, reach);
  const ollamaOk = reach && reach.ok !== null ? reach.ok : input.ollama?.ok !== false;

  if (input.transition === 'stopping') return { ...base, status: 'stopped', summary: 'Stopping…', services: [ollama] };
  if (input.mode === 'none') {
    return {
      ...base,
      status: input.transition === 'starting' ? 'starting' : 'stopped',
      summary: input.transition === 'starting' ? 'Starting…' : 'Stopped',
      services: [ollama],
    };
  }

  if (input.mode === 'embedded') {
    const serves = readyServes(input.ready);
    const gateway: ServiceHealth = {
      id: 'gateway',
      label: LABELS.gateway!,
      status: serves ? 'healthy' : serves === null || input.transition === 'starting' ? 'starting' : 'unhealthy',
      detail: readyDetail(input.ready),
    };
    const services = [gateway, ollama];
    if (serves === null || (serves === false && input.transition === 'starting'))
      return { ...base, status: 'starting', summary: 'Starting the embedded gateway…', services };
    if (!serves) return { ...base, status: 'down', summary: `Embedded gateway ${readyDetail(input.ready)}`, services };
    if (!ollamaOk)
      return { ...base, status: 'degraded', summary: 'Running (embedded) — Ollama is not reachable', services };
    return { ...base, status: 'healthy', summary: 'Running (embedded)', services };
  }

  // Stack mode.
  if (input.containers === null) {
    return { ...base, status: 'down', summary: 'Docker Engine is not reachable', services: [ollama] };
  }
  const byService = new Map<string, ContainerView[]>();
  for (const c of input.containers) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  const ids = [...new Set([...SERVICE_ORDER, ...byService.keys()])].filter(
    (id) => id !== 'ollama' || byService.has(id),
  );
  const services = ids.map((id) => serviceFromContainers(id, byService.get(id) ?? []));
  // The stack's own ollama container (optional profile) stands for Ollama when present; else the probe does.
  const withOllama = byService.has('ollama') ? services : [...services, ollama];
  const anyRunning = input.containers.some((c) => c.state === 'running' || c.state === 'restarting');

  if (!anyRunning) {
    if (input.transition === 'starting')
      return { ...base, status: 'starting', summary: 'Starting the stack…', services: withOllama };
    return {
      ...base,
      status: 'stopped',
      summary: input.containers.length === 0 ? 'Stack not created' : 'Stopped',
      services: withOllama,
    };
  }
  const anyStarting = services.some((s) => s.status === 'starting') || input.transition === 'starting';
  const essentialDown = services.filter(
    (s) => ESSENTIAL.includes(s.id) && (s.status === 'stopped' || s.status === 'unhealthy'),
  );
  const serves = readyServes(input.ready);

  if (essentialDown.length > 0 || serves === false) {
    if (anyStarting) return { ...base, status: 'starting', summary: 'Starting the stack…', services: withOllama };
    const why =
      essentialDown.length > 0
        ? `${essentialDown.map((s) => s.label).join(', ')} down`
        : `gateway ${readyDetail(input.ready)}`;
    return { ...base, status: 'down', summary: `Down — ${why}`, services: withOllama };
  }
  if (serves === null && anyStarting)
    return { ...base, status: 'starting', summary: 'Starting the stack…', services: withOllama };
  const notHealthy = withOllama.filter((s) => s.status !== 'healthy' && s.status !== 'unknown');
  if (notHealthy.length === 0 && ollamaOk)
    return { ...base, status: 'healthy', summary: 'Running', services: withOllama };
  if (notHealthy.every((s) => s.status === 'starting') && serves === null) {
    return { ...base, status: 'starting', summary: 'Starting the stack…', services: withOllama };
  }
  const what = notHealthy.map((s) => `${s.label}: ${s.detail}`).join('; ') || 'Ollama is not reachable';
  return { ...base, status: 'degraded', summary: `Degraded — ${what}`, services: withOllama };
}

/** Whether two snapshots differ in anything a user sees (the monitor emits only on change). */
export function sameHealth(a: HealthSnapshot, b: HealthSnapshot): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
