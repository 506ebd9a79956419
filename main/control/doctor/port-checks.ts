// Port checks: each host port the stack publishes (3000, 15432, 16379 unless moved in stack.env or the
// environment) is free, or published by our own stack's running container — named, so "taken" says by whom.
import { isPortFree, stackPorts, type HostPort } from '../../stack/ports.js';
import type { ContainerStatus } from '../../stack/containers.js';
import { fail, pass, type DoctorCheck } from './check.js';

export async function checkPorts(
  ports: HostPort[],
  /** The stack's containers, or null when the Engine could not be asked (then a busy port cannot be told apart). */
  containers: ContainerStatus[] | null,
  /** Ports this app itself holds outside the stack (the embedded gateway), with who holds them. */
  appPorts: ReadonlyMap<number, string> = new Map(),
  probe: (host: string, port: number) => Promise<boolean> = isPortFree,
): Promise<DoctorCheck[]> {
  return Promise.all(
    ports.map(async (entry) => {
      const id = `ports.${entry.service}`;
      const title = `Port ${entry.port} (${entry.service})`;
      const owner = containers?.find((c) => c.state === 'running' && c.ports.some((p) => p.hostPort === entry.port));
      if (owner) return pass(id, title, `held by our stack: ${owner.name}`);
      const app = appPorts.get(entry.port);
      if (app) return pass(id, title, `held by ${app}`);
      if (await probe(entry.host, entry.port)) return pass(id, title, `free on ${entry.host}`);
      return fail(
        id,
        title,
        `${entry.host}:${entry.port} is in use by another program${containers === null ? ' (or by the stack: the Docker Engine could not be asked)' : ''}`,
        `Stop the program that listens there (\`ss -ltnp 'sport = :${entry.port}'\` or \`lsof -i :${entry.port}\` names it), or move the stack: set ${entry.setting} in stack.env.`,
      );
    }),
  );
}

export { stackPorts };
