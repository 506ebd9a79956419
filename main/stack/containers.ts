// The stack's containers as the Engine sees them (label com.docker.compose.project), turned into plain
// status records: service, replica number, state, health, published ports, uptime.
import type Docker from 'dockerode';
import { PROJECT } from './paths.js';

export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';
export const NUMBER_LABEL = 'com.docker.compose.container-number';

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
  return {
    id: info.Id.slice(0, 12),
    name: info.Name.replace(/^\//, ''),
    service: labels[SERVICE_LABEL] ?? '?',
    replica: Number(labels[NUMBER_LABEL] ?? 1),
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

/** Every container of the project (also stopped ones, also profile services), inspected. */
export async function listStack(docker: Docker, project = PROJECT): Promise<ContainerStatus[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${project}`] } });
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
