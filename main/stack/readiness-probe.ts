// The stack as the readiness suite sees it (its StackProbe): container states for check 1 and one replica
// stopped and started again for the failover check, and why Ollama is not reachable when the model list fails. Null when no Engine or no stack is there (embedded mode).
import type { StackContainer, StackProbe } from '../readiness/types.js';
import { probeOllamaReach } from '../control/health/ollama-reach.js';
import { StackController } from './controller.js';

export async function createStackProbe(env: NodeJS.ProcessEnv = process.env): Promise<StackProbe | null> {
  const controller = new StackController({ env });
  let docker;
  try {
    docker = await controller.docker();
    if ((await controller.containers()).length === 0) return null;
  } catch {
    return null; // no Engine reachable: not a stack
  }
  return {
    async containers(): Promise<StackContainer[]> {
      return (await controller.containers()).map((c) => ({
        name: c.name,
        service: c.service,
        state: c.state,
        health: c.health === 'none' ? null : c.health,
      }));
    },
    async stopReplica(name: string): Promise<void> {
      // A graceful stop: the replica drains its in-flight requests first, as in production.
      await docker.getContainer(name).stop({ t: 40 });
    },
    async startReplica(name: string): Promise<void> {
      await docker.getContainer(name).start();
    },
    async ollamaReach() {
      return probeOllamaReach(await controller.ollamaRoute(), await controller.containers());
    },
  };
}
