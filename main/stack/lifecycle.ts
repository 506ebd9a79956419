// stop / start / restart through the Engine API, in dependency order: postgres, redis → gateways → nginx
// to start (each tier gated on its containers' health), the reverse to stop. Compose is not involved, so the
// tray toggle is fast and needs no compose file; the containers stay the ones compose created.
import type Docker from 'dockerode';
import { startTiers, toContainerStatus, type ContainerStatus, type InspectLike } from './containers.js';
import { StackError } from './errors.js';

export type LifecycleEvent =
  | {
      type: 'container';
      name: string;
      service: string;
      status: 'stopping' | 'stopped' | 'starting' | 'started' | 'healthy';
    }
  | { type: 'tier'; services: string[]; status: 'starting' | 'stopping' };

export interface LifecycleOptions {
  /** Give up waiting for health after this long (per tier). */
  healthTimeoutMs?: number;
  /** Seconds the Engine waits after SIGTERM before SIGKILL; default: the container's own stop_grace_period. */
  stopTimeoutS?: number;
  onEvent?: (event: LifecycleEvent) => void;
}

/** Waits until a container is running and healthy (or running, when it has no healthcheck). */
export async function waitHealthy(docker: Docker, container: ContainerStatus, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: ContainerStatus = container;
  while (Date.now() < deadline) {
    last = toContainerStatus((await docker.getContainer(container.id).inspect()) as unknown as InspectLike);
    if (last.state === 'running' && (last.health === 'healthy' || last.health === 'none')) return;
    if (last.state === 'exited' || last.state === 'dead') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new StackError(
    'unhealthy',
    `${container.name} did not become healthy (state ${last.state}, health ${last.health}).`,
    { container: container.name, state: last.state, health: last.health },
  );
}

/** Engine error 304 = "already started/stopped": not a failure for an idempotent toggle. */
function ignoreNotModified(err: unknown): void {
  if ((err as { statusCode?: number }).statusCode === 304) return;
  throw new StackError('engine_failed', `The Docker Engine refused: ${(err as Error).message}`);
}

export async function startContainers(
  docker: Docker,
  containers: ContainerStatus[],
  options: LifecycleOptions = {},
): Promise<void> {
  const emit = options.onEvent ?? (() => {});
  for (const tier of startTiers(containers)) {
    emit({ type: 'tier', services: [...new Set(tier.map((c) => c.service))], status: 'starting' });
    await Promise.all(
      tier.map(async (container) => {
        if (container.state !== 'running') {
          emit({ type: 'container', name: container.name, service: container.service, status: 'starting' });
          await docker.getContainer(container.id).start().catch(ignoreNotModified);
          emit({ type: 'container', name: container.name, service: container.service, status: 'started' });
        }
        await waitHealthy(docker, container, options.healthTimeoutMs ?? 120_000);
        emit({ type: 'container', name: container.name, service: container.service, status: 'healthy' });
      }),
    );
  }
}

export async function stopContainers(
  docker: Docker,
  containers: ContainerStatus[],
  options: LifecycleOptions = {},
): Promise<void> {
  const emit = options.onEvent ?? (() => {});
  for (const tier of startTiers(containers).reverse()) {
    emit({ type: 'tier', services: [...new Set(tier.map((c) => c.service))], status: 'stopping' });
    await Promise.all(
      tier.map(async (container) => {
        if (container.state !== 'running' && container.state !== 'restarting') return;
        emit({ type: 'container', name: container.name, service: container.service, status: 'stopping' });
        await docker
          .getContainer(container.id)
          .stop(options.stopTimeoutS === undefined ? {} : { t: options.stopTimeoutS })
          .catch(ignoreNotModified);
        emit({ type: 'container', name: container.name, service: container.service, status: 'stopped' });
      }),
    );
  }
}
