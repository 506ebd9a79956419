// The doctor as a control-plane operation (the dashboard's Overview shows its failing checks): the same checks as
// `llm-gateway doctor`, with the app's settings (its Ollama URL and the ports the stack will publish). When the
// settings choose embedded mode outright, the checks that only the Docker stack needs are left out: a person who
// runs without Docker on purpose must not see a permanent "Docker Engine" failure.
import { runDoctor } from '../doctor/doctor.js';
import type { Operations, PlaneContext } from './context.js';

/** What embedded mode needs: Ollama from here, its gateway port, the data folder, secrets and SQLite database. */
export const EMBEDDED_CHECKS: ReadonlySet<string> = new Set([
  'ollama.installed',
  'ollama.host',
  'ollama.models',
  'ports.nginx',
  'files.home',
  'files.secrets',
  'database.embedded',
]);

export function doctorOperations(ctx: PlaneContext, env: NodeJS.ProcessEnv): Operations<'doctor.run'> {
  return {
    'doctor.run': async () => {
      const settings = ctx.settings();
      const url = ctx.runtime.mode === 'embedded' ? ctx.runtime.gatewayUrl() : null;
      const appPorts = new Map(url ? [[Number(new URL(url).port), "this app's embedded gateway"]] : []);
      const report = await runDoctor({
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
      if (settings.mode !== 'embedded') return report;
      const checks = report.checks.filter((c) => EMBEDDED_CHECKS.has(c.id));
      return { ...report, ok: checks.every((c) => c.ok), checks };
    },
  };
}
