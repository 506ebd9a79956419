// The stack's containers as the Engine sees them (label com.docker.compose.project, or com.docker.stack.namespace for
// a Swarm deployment's tasks on this node), turned into plain status records: service, replica number, state, health,
// published ports, uptime.
import type Docker from 'dockerode';
import { PROJECT } from './paths.js';

export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';
export const NUMBER_LABEL = 'com.docker.compose.container-number';
/** A Swarm task's container: its stack and its service (`<stack>_<service>`); the slot is in its name. */
export const STACK_LABEL = 'com.docker.stack.namespace';
export const SWARM_SERVICE_LABEL = 'com.docker.swarm.service.name';

/** service and replica of a container, from compose's labels or, for a Swarm task, `<stack>_<service>.<slot>.<id>`. */
function serviceAndReplica(labels: Record<string, string>, name: string): { service: string; replica: number } {
  const stack = labels[STACK_LABEL];
  const swarmService = labels[SWARM_SERVICE_LABEL];
  // Checked first: a task of a stack deployed from compose's merged definition carries compose's labels too.
  if (stack && swarmService) {
    const slot = /\.(\d+)\.[a-z0-9]+$/.exec(name);
    return {
      service: swarmService.startsWith(`${stack}_`) ? swarmService.slice(stack.length + 1) : swarmService,
      replica: slot ? Number(slot[1]) : 1,
    };
  }
  return { service: labels[SERVICE_LABEL] ?? '?', replica: Number(labels[NUMBER_LABEL] ?? 1) };
}

export type Health = 'healthy' | 'unhealthy' | 'starting' | 'none';

export interface ContainerStatus {
  id: string;
  name: string;
  service: string;
  replica: number;
  image: string;
  /** created | running | paused | restarting | removing | exited | dead */
  state: string;
  health: Health;
  ports: Array<{ hostIp: string; hostPort: number; containerPort: number }>;
  startedAt: string | null;
  /** Seconds since start while running; null otherwise. */
  uptimeS: number | null;
}

/** The subset of `docker inspect` we read (dockerode's ContainerInspectInfo fits it). */
export interface InspectLike {
  Id: string;
  Name: string;
  Config: { Image: string; Labels: Record<string, string> | null };
  State: { Status: string; StartedAt?: string; Health?: { Status: string } };
  NetworkSettings: { Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null };
}

export function toContainerStatus(info: InspectLike, now: number = Date.now()): ContainerStatus {
  const labels = info.Config.Labels ?? {};
  const ports: ContainerStatus['ports'] = [];
  for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    for (const binding of bindings ?? []) {
      ports.push({
        hostIp: binding.HostIp,
        hostPort: Number(binding.HostPort),
        containerPort: Number.parseInt(key, 10),
      });
    }
  }
  const running = info.State.Status === 'running';
  const started = info.State.StartedAt && !info.State.StartedAt.startsWith('0001') ? info.State.StartedAt : null;
  const health = (info.State.Health?.Status ?? 'none') as Health;
  const name = info.Name.replace(/^\//, '');
  return {
    id: info.Id.slice(0, 12),
    name,
    ...serviceAndReplica(labels, name),
    image: info.Config.Image,
    state: info.State.Status,
    health: running ? health : 'none',
    ports,
    startedAt: started,
    uptimeS: running && started ? Math.max(0, Math.round((now - Date.parse(started)) / 1000)) : null,
  };
}

/** Start order: data (and the Ollama relay) first, then the gateways, then the proxy. Unknown services go with data. */
export const SERVICE_TIER: Record<string, number> = {
  postgres: 0,
  redis: 0,
  ollama: 0,
  'ollama-forwarder': 0,
  'api-gateway': 1,
  nginx: 2,
};

export function tierOf(service: string): number {
  return SERVICE_TIER[service] ?? 0;
}

/** Groups containers into tiers in start order (reverse the result to stop). */
export function startTiers<T extends { service: string; replica: number }>(containers: T[]): T[][] {
  const tiers = new Map<number, T[]>();
  for (const container of containers) {
    const tier = tierOf(container.service);
    tiers.set(tier, [...(tiers.get(tier) ?? []), container]);
  }
  return [...tiers.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, list]) => list.sort((a, b) => a.service.localeCompare(b.service) || a.replica - b.replica));
}

export function sortForDisplay(list: ContainerStatus[]): ContainerStatus[] {
  return [...list].sort(
    (a, b) => tierOf(b.service) - tierOf(a.service) || a.service.localeCompare(b.service) || a.replica - b.replica,
  );
}

/**
 * Every container of the project (also stopped ones, also profile services), inspected: compose's, and the tasks of a
 * Swarm stack of the same name that run on this node (a multi-node Swarm's other nodes are not seen from here).
 */
export async function listStack(docker: Docker, project = PROJECT): Promise<ContainerStatus[]> {
  const [compose, swarm] = await Promise.all(
    [PROJECT_LABEL, STACK_LABEL].map((label) =>
      docker.listContainers({ all: true, filters: { label: [`${label}=${project}`] } }),
    ),
  );
  // A Swarm task's exited container is history (Swarm has replaced the task), not a stopped part of the stack. Tasks
  // carry compose's project label too (the stack is deployed from compose's merged definition): one list, by id.
  const history = (entry: { Labels?: Record<string, string>; State?: string }) =>
    entry.Labels?.[STACK_LABEL] !== undefined && (entry.State === 'exited' || entry.State === 'dead');
  const byId = new Map([...compose!, ...swarm!].map((entry) => [entry.Id, entry]));
  const list = [...byId.values()].filter((entry) => !history(entry));
  const inspected = await Promise.all(
    list.map((entry) =>
      docker
        .getContainer(entry.Id)
        .inspect()
        .catch(() => null),
    ),
  );
  return sortForDisplay(
    inspected.filter((info) => info !== null).map((info) => toContainerStatus(info as unknown as InspectLike)),
  );
}
