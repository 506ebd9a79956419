// Check 9: repeated GET /health through the load balancer reaches every replica (by x-instance); the
// distribution is reported. Without a stack (or --replicas) one answering instance means "nothing to balance".
import { call } from '../http.js';
import type { CheckDefinition } from '../types.js';

export const balanceCheck: CheckDefinition = {
  id: 'load-balancing',
  number: 9,
  title: 'Load balancing',
  async run(ctx) {
    const stack = ctx.options.stack;
    const expected =
      ctx.options.expectedReplicas ??
      (stack ? (await stack.containers()).filter((c) => c.service === 'api-gateway').length : undefined);
    const requests = Math.max(12, (expected ?? 1) * 6);
    const distribution: Record<string, number> = {};
    let failures = 0;
    for (let i = 0; i < requests; i += 1) {
      const answer = await call(`${ctx.url}/health`, { signal: ctx.signal });
      if (answer.status !== 200) failures += 1;
      const instance = answer.headers.get('x-instance') ?? '(no x-instance)';
      distribution[instance] = (distribution[instance] ?? 0) + 1;
    }
    const instances = Object.keys(distribution).filter((name) => name !== '(no x-instance)');
    const shown = Object.entries(distribution)
      .map(([name, count]) => `${name}: ${count}`)
      .join(', ');
    const details = { requests, expected: expected ?? null, failures, distribution };
    if (failures > 0) {
      return {
        status: 'fail',
        summary: `${failures} of ${requests} /health requests failed (${shown})`,
        fix: 'A replica behind the load balancer is failing: `llm-gateway status`.',
        details,
      };
    }
    if (expected === undefined) {
      if (instances.length <= 1) {
        return {
          status: 'skip',
          reason: `one gateway instance answered ${requests} requests (${shown}); no load balancer to check (pass --replicas N to require N)`,
          details,
        };
      }
      return { status: 'pass', summary: `${instances.length} replicas answered: ${shown}`, details };
    }
    if (instances.length < expected) {
      return {
        status: 'fail',
        summary: `${instances.length} of ${expected} replicas answered ${requests} requests (${shown})`,
        fix: 'Nginx does not reach every replica: `llm-gateway restart nginx`, and check `llm-gateway logs nginx`.',
        details,
      };
    }
    return { status: 'pass', summary: `${instances.length}/${expected} replicas reached: ${shown}`, details };
  },
};
