// Check 18 (opt-in, disruptive): with requests flowing, stop one gateway replica; every request must still
// succeed through the load balancer; then the replica is started again and must become healthy.
import { bearer, call } from '../http.js';
import type { CheckContext, CheckDefinition, CheckOutcome, StackProbe } from '../types.js';

const REQUESTS_AFTER_STOP = 20;
const HEALTHY_WITHIN_MS = 90_000;

async function waitHealthy(stack: StackProbe, name: string, signal: AbortSignal): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < HEALTHY_WITHIN_MS && !signal.aborted) {
    const container = (await stack.containers()).find((c) => c.name === name);
    if (container?.state === 'running' && (container.health === null || container.health === 'healthy'))
      return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${name} did not become healthy within ${HEALTHY_WITHIN_MS / 1000} s`);
}

async function traffic(ctx: CheckContext, key: string, stop: () => boolean, tally: { ok: number; failed: string[] }) {
  while (!stop() && !ctx.signal.aborted) {
    try {
      const answer = await call(`${ctx.url}/v1/models`, { headers: bearer(key), signal: ctx.signal });
      if (answer.status === 200) tally.ok += 1;
      else tally.failed.push(`status ${answer.status}`);
    } catch (err) {
      tally.failed.push((err as Error).message);
    }
  }
}

export const failoverCheck: CheckDefinition = {
  id: 'failover',
  number: 18,
  title: 'Failover (disruptive)',
  optIn: true,
  timeoutMs: 180_000,
  async run(ctx): Promise<CheckOutcome> {
    const stack = ctx.options.stack;
    if (!stack) return { status: 'skip', reason: 'needs the Docker stack (embedded mode runs a single gateway)' };
    const replicas = (await stack.containers()).filter((c) => c.service === 'api-gateway' && c.state === 'running');
    if (replicas.length < 2) {
      return {
        status: 'fail',
        summary: `${replicas.length} replica(s) running; failover needs at least 2`,
        fix: 'Bring the stack up fully with `llm-gateway up`.',
      };
    }
    const victim = [...replicas].sort((a, b) => a.name.localeCompare(b.name)).at(-1)!.name;
    const key = await ctx.key();
    const tally = { ok: 0, failed: [] as string[] };
    let stopped = false;
    const flowing = traffic(ctx, key, () => stopped, tally);
    let healthyAfterMs: number;
    try {
      await stack.stopReplica(victim);
      // Keep going while it is down: the load balancer must route around it.
      const before = tally.ok + tally.failed.length;
      while (tally.ok + tally.failed.length < before + REQUESTS_AFTER_STOP && !ctx.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      stopped = true;
      await flowing;
      await stack.startReplica(victim);
      healthyAfterMs = await waitHealthy(stack, victim, ctx.signal);
    }
    const after = await call(`${ctx.url}/v1/models`, { headers: bearer(key), signal: ctx.signal });
    const details = {
      victim,
      succeeded: tally.ok,
      failed: tally.failed.length,
      errors: tally.failed.slice(0, 5),
      healthyAfterMs,
      afterStatus: after.status,
    };
    if (tally.failed.length > 0 || after.status !== 200) {
      return {
        status: 'fail',
        summary: `${tally.failed.length} of ${tally.ok + tally.failed.length} requests failed while ${victim} was stopped`,
        fix: 'Nginx must retry another replica on connect errors (proxy_next_upstream) and mark a down one failed; check compose/nginx.conf.',
        details,
      };
    }
    return {
      status: 'pass',
      summary: `${tally.ok} requests succeeded with ${victim} stopped; healthy again after ${Math.round(healthyAfterMs / 1000)} s`,
      details,
    };
  },
};
