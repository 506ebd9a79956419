// The stack on Docker Swarm: the Engine's swarm state, the stack's secrets, `docker stack deploy` / `rm` (docker CLI
// child process, like compose), and waiting until the services converge or are gone. The controller sequences these.
import { spawn } from 'node:child_process';
import type Docker from 'dockerode';
import { StackError } from './errors.js';
import { STACK_LABEL } from './containers.js';
import { SWARM_SECRETS, type SwarmSecretName } from './swarm-definition.js';

/** Whether this Engine is a Swarm manager (services can be deployed from it). */
export async function swarmManager(docker: Docker): Promise<boolean> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  return info.Swarm?.LocalNodeState === 'active' && info.Swarm.ControlAvailable === true;
}

interface ServiceLike {
  ID: string;
  Spec?: {
    Name?: string;
    Mode?: { Replicated?: { Replicas?: number } };
    TaskTemplate?: { ContainerSpec?: { Image?: string } };
  };
  UpdateStatus?: { State?: string; Message?: string };
}

interface TaskLike {
  ServiceID?: string;
  DesiredState?: string;
  Status?: { State?: string; Err?: string; Message?: string };
  Spec?: { ContainerSpec?: { Image?: string } };
}

/** The stack's services (none when this Engine is not a Swarm manager: then there is no Swarm deployment here). */
export async function stackServices(docker: Docker, project: string): Promise<ServiceLike[]> {
  try {
    return (await docker.listServices({ filters: { label: [`${STACK_LABEL}=${project}`] } })) as ServiceLike[];
  } catch (err) {
    // 503 "This node is not a swarm manager": no Swarm here, so no Swarm deployment.
    if ((err as { statusCode?: number }).statusCode === 503) return [];
    throw new StackError('engine_failed', `The Docker Engine refused to list services: ${(err as Error).message}`);
  }
}

/**
 * Creates the secrets that are missing. Swarm secrets cannot change: an existing one is kept as it is (its value came
 * from the same stack.env, whose secrets are generated once). Labelled with the stack, so `down` finds them.
 */
export async function ensureSecrets(
  docker: Docker,
  project: string,
  values: Record<SwarmSecretName, string>,
): Promise<string[]> {
  const existing = new Set(
    ((await docker.listSecrets()) as Array<{ Spec?: { Name?: string } }>).map((secret) => secret.Spec?.Name),
  );
  const created: string[] = [];
  for (const name of SWARM_SECRETS) {
    if (existing.has(name)) continue;
    await docker.createSecret({
      Name: name,
      Labels: { [STACK_LABEL]: project },
      Data: Buffer.from(values[name]).toString('base64'),
    });
    created.push(name);
  }
  return created;
}

/** Removes the stack's secrets and configs (after `docker stack rm`: a secret in use cannot be removed). */
export async function removeSecretsAndConfigs(docker: Docker, project: string): Promise<void> {
  const filters = { label: [`${STACK_LABEL}=${project}`] };
  const secrets = (await docker.listSecrets({ filters })) as Array<{ ID: string }>;
  const configs = (await docker.listConfigs({ filters })) as Array<{ ID: string }>;
  await Promise.all([
    ...secrets.map((secret) => docker.getSecret(secret.ID).remove()),
    ...configs.map((config) => docker.getConfig(config.ID).remove()),
  ]);
}

export interface Convergence {
  /** service name → running tasks / desired replicas */
  services: Record<string, { running: number; desired: number }>;
  done: boolean;
  /** A task that failed to start, or an update that rolled back: the reason. */
  failure?: string;
}

/**
 * Where the stack stands: every service at its replica count with running (= healthy: Swarm waits for the healthcheck)
 * tasks of its current image, and no update in progress.
 */
export async function convergence(docker: Docker, project: string): Promise<Convergence> {
  const services = await stackServices(docker, project);
  const tasks = (await docker.listTasks({ filters: { label: [`${STACK_LABEL}=${project}`] } })) as TaskLike[];
  const result: Convergence = { services: {}, done: services.length > 0 };
  for (const service of services) {
    const name = service.Spec?.Name ?? service.ID;
    const desired = service.Spec?.Mode?.Replicated?.Replicas ?? 1;
    const own = tasks.filter((task) => task.ServiceID === service.ID && task.DesiredState === 'running');
    // Only tasks of the current image count: right after `stack deploy` the update may not have started yet, and the
    // old tasks would look converged.
    const image = service.Spec?.TaskTemplate?.ContainerSpec?.Image;
    const running = own.filter(
      (task) => task.Status?.State === 'running' && (!image || task.Spec?.ContainerSpec?.Image === image),
    ).length;
    result.services[name] = { running, desired };
    const update = service.UpdateStatus?.State;
    if (running !== desired || update === 'updating' || update === 'rollback_started') result.done = false;
    if (update === 'rollback_completed' || update === 'rollback_paused' || update === 'paused')
      result.failure = `${name}: update ${update}: ${service.UpdateStatus?.Message ?? ''}`.trim();
  }
  return result;
}

/** Polls until every service converged; throws swarm_failed with the last state after timeoutMs. */
export async function waitConverged(
  docker: Docker,
  project: string,
  timeoutMs: number,
  onProgress: (state: Convergence) => void = () => {},
): Promise<Convergence> {
  const deadline = Date.now() + timeoutMs;
  let last: Convergence = { services: {}, done: false };
  let shown = '';
  while (Date.now() < deadline) {
    last = await convergence(docker, project);
    const text = JSON.stringify(last.services);
    if (text !== shown) onProgress(last);
    shown = text;
    if (last.failure) break;
    if (last.done) return last;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const counts = Object.entries(last.services)
    .map(([name, { running, desired }]) => `${name} ${running}/${desired}`)
    .join(', ');
  throw new StackError(
    'swarm_failed',
    last.failure ??
      `The Swarm stack did not converge within ${Math.round(timeoutMs / 1000)} s (${counts || 'no services'}).`,
    { services: last.services },
  );
}

/** Waits until no container and no network of the stack is left (`docker stack rm` returns before that). */
export async function waitRemoved(docker: Docker, project: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const filters = { label: [`${STACK_LABEL}=${project}`] };
  while (Date.now() < deadline) {
    const [containers, networks] = await Promise.all([
      docker.listContainers({ all: true, filters }),
      docker.listNetworks({ filters }),
    ]);
    if (containers.length === 0 && networks.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new StackError(
    'swarm_failed',
    `The Swarm stack's containers or network were still there after ${timeoutMs / 1000} s.`,
  );
}

/** Runs the docker CLI (stack deploy / rm), every output line to onLine; rejects with swarm_failed on a non-zero exit. */
export function runDockerCli(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const feed = (stream: NodeJS.ReadableStream) => {
      stream.setEncoding('utf8');
      let rest = '';
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split(/\r?\n/);
        rest = lines.pop() ?? '';
        for (const line of lines.filter((l) => l.trim() !== '')) {
          tail.push(line);
          if (tail.length > 20) tail.shift();
          onLine(line);
        }
      });
    };
    feed(child.stdout);
    feed(child.stderr);
    child.on('error', (err) =>
      reject(new StackError('swarm_failed', `${command} ${args.slice(0, 2).join(' ')}: ${err.message}`)),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new StackError(
              'swarm_failed',
              `${command} ${args.slice(0, 2).join(' ')} failed (exit ${code}):\n  ${tail.slice(-12).join('\n  ')}`,
              { exitCode: code, tail },
            ),
          ),
    );
  });
}
