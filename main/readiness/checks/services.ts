// Check 1: the Docker services are running and healthy (through the stack probe); in embedded mode,
// or for a gateway not started by this app, that the gateway itself is up (/health answers).
import { call } from '../http.js';
import type { CheckDefinition, StackContainer } from '../types.js';

export const STACK_SERVICES = ['nginx', 'api-gateway', 'postgres', 'redis'];

function healthy(container: StackContainer): boolean {
  return container.state === 'running' && (container.health === null || container.health === 'healthy');
}

export const servicesCheck: CheckDefinition = {
  id: 'services',
  number: 1,
  title: 'Docker services healthy',
  async run(ctx) {
    const stack = ctx.options.stack;
    if (!stack) {
      const answer = await call(`${ctx.url}/health`, { signal: ctx.signal });
      if (answer.status !== 200) {
        return {
          status: 'fail',
          summary: `no Docker stack; the gateway's /health answered ${answer.status}`,
          fix: 'Look at the gateway log; restart it.',
        };
      }
      const instance = (answer.json as { instance?: string } | undefined)?.instance ?? answer.headers.get('x-instance');
      return {
        status: 'pass',
        summary: `embedded mode: the gateway is up (instance ${instance ?? 'unknown'}, no Docker stack)`,
        details: { mode: 'embedded', instance },
      };
    }
    const containers = await stack.containers();
    const missing = STACK_SERVICES.filter((service) => !containers.some((c) => c.service === service));
    const bad = containers.filter((c) => !healthy(c));
    const details = {
      mode: 'stack',
      containers: containers.map((c) => ({ name: c.name, service: c.service, state: c.state, health: c.health })),
    };
    if (missing.length > 0 || bad.length > 0) {
      const problems = [
        ...missing.map((service) => `service ${service} has no container`),
        ...bad.map((c) => `${c.name} is ${c.state}${c.health ? `/${c.health}` : ''}`),
      ];
      return {
        status: 'fail',
        summary: problems.join('; '),
        fix: 'Run `llm-gateway status` and `llm-gateway logs <service>`; `llm-gateway up` recreates missing containers.',
        details,
      };
    }
    return { status: 'pass', summary: `${containers.length} containers running and healthy`, details };
  },
};
