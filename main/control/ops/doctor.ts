// The doctor as a control-plane operation (the dashboard's Overview shows its failing checks): the same checks as
// `llm-gateway doctor`, with the app's settings (its Ollama URL and the ports the stack will publish).
import { runDoctor } from '../doctor/doctor.js';
import type { Operations, PlaneContext } from './context.js';

export function doctorOperations(ctx: PlaneContext, env: NodeJS.ProcessEnv): Operations<'doctor.run'> {
  return {
    'doctor.run': async () => {
      const settings = ctx.settings();
      const url = ctx.runtime.mode === 'embedded' ? ctx.runtime.gatewayUrl() : null;
      const appPorts = new Map(url ? [[Number(new URL(url).port), "this app's embedded gateway"]] : []);
      return runDoctor({
        appPorts,
        home: ctx.paths.home,
        ollamaUrl: settings.ollamaUrl,
        env: {
          ...env,
          LLMGW_PORT: String(settings.ports.gateway),
          POSTGRES_PORT: String(settings.ports.postgres),
          REDIS_PORT: String(settings.ports.redis),
        },
      });
    },
  };
}
