// The narrow view of the stack controller the control plane uses (start/stop, containers, events, the generated
// env file, a readiness probe), so tests inject a fake and the app never depends on more of main/stack than this.
import { Writable } from 'node:stream';
import type { StackProbe } from '../readiness/types.js';
import { readStackEnv } from '../readiness/home.js';
import type { StackController } from '../stack/controller.js';
import type { StackView } from './health/monitor.js';
import { probeOllamaReach, type OllamaReach } from './health/ollama-reach.js';

export interface StackPort extends StackView {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  /** stack.env values (admin token, passwords) or null before the first `up`. Never creates the file. */
  env(): Record<string, string> | null;
  /** For the readiness suite's stack checks (container list, failover). */
  probe(): StackProbe;
  /** Whether the replicas can reach Ollama (route + probes from the host); optional so fakes may leave it out. */
  ollamaReach?(): Promise<OllamaReach | null>;
  /** The last `tail` log lines of a service's containers (optional: fakes may leave it out). */
  logs?(service: string, tail: number): Promise<string[]>;
}

export function stackPortOf(controller: StackController): StackPort {
  return {
    containers: () => controller.containers(),
    watch: async (onChange) => {
      const subscription = await controller.events(() => onChange());
      return { close: () => subscription.close() };
    },
    start: () => controller.start(),
    stop: () => controller.stop(),
    env: () => readStackEnv(controller.home),
    ollamaReach: async () => {
      const containers = await controller.containers();
      if (!containers.some((c) => c.state === 'running')) return null; // nothing to reach it from
      return probeOllamaReach(await controller.ollamaRoute(), containers);
    },
    logs: async (service, tail) => {
      let text = '';
      const sink = new Writable({
        write(chunk: Buffer | string, _encoding, done) {
          text += chunk.toString();
          done();
        },
      });
      await controller.logs(service, { tail, follow: false }, sink, sink);
      return text.split('\n').filter((line) => line !== '');
    },
    probe: () => ({
      containers: async () =>
        (await controller.containers()).map((c) => ({
          name: c.name,
          service: c.service,
          state: c.state,
          health: c.health === 'none' ? null : c.health,
        })),
      stopReplica: async (name) => {
        await (await controller.docker()).getContainer(name).stop();
      },
      startReplica: async (name) => {
        await (await controller.docker()).getContainer(name).start();
      },
    }),
  };
}
