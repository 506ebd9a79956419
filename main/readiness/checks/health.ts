// Check 2 (GET /health: status ok, timestamp, uptime, quickly) and check 14 (GET /health/ready: 200 and
// names its dependencies; a 503 lists the failing ones).
import { call, clip } from '../http.js';
import type { CheckDefinition } from '../types.js';

/** /health slower than this fails check 2. */
export const HEALTH_MAX_MS = 1000;

export const healthCheck: CheckDefinition = {
  id: 'health',
  number: 2,
  title: 'Health endpoint',
  async run(ctx) {
    const answer = await call(`${ctx.url}/health`, { signal: ctx.signal });
    const body = answer.json as { status?: unknown; timestamp?: unknown; uptime?: unknown } | undefined;
    const details = { status: answer.status, ms: answer.ms, body: body ?? clip(answer.text) };
    const problems: string[] = [];
    if (answer.status !== 200) problems.push(`status ${answer.status}`);
    if (body?.status !== 'ok') problems.push(`"status" is ${JSON.stringify(body?.status)}, not "ok"`);
    if (typeof body?.timestamp !== 'string' || Number.isNaN(Date.parse(body.timestamp)))
      problems.push('no ISO "timestamp"');
    if (typeof body?.uptime !== 'number') problems.push('no numeric "uptime"');
    if (answer.ms > HEALTH_MAX_MS) problems.push(`took ${answer.ms} ms (limit ${HEALTH_MAX_MS} ms)`);
    if (problems.length > 0) {
      return {
        status: 'fail',
        summary: `/health: ${problems.join(', ')}`,
        fix: 'Check that --url points at the gateway and look at its log.',
        details,
      };
    }
    return { status: 'pass', summary: `ok in ${answer.ms} ms, uptime ${String(body!.uptime)} s`, details };
  },
};

interface ReadyBody {
  status?: string;
  failing?: string[];
  checks?: Record<string, { ok?: boolean; ms?: number; kind?: string; error?: string }>;
}

export const readyCheck: CheckDefinition = {
  id: 'ready',
  number: 14,
  title: 'Readiness endpoint',
  async run(ctx) {
    // The gateway names its dependencies (kinds, errors) only to the admin token; without it, status and names.
    const token = ctx.options.adminToken;
    const answer = await call(`${ctx.url}/health/ready`, {
      signal: ctx.signal,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
    const body = answer.json as ReadyBody | undefined;
    const checks = body?.checks ?? {};
    const names = Object.keys(checks);
    const deps = names.map((name) => `${name}${checks[name]?.kind ? ` (${checks[name]!.kind})` : ''}`);
    const details = { status: answer.status, ms: answer.ms, failing: body?.failing ?? [], checks };
    if (answer.status !== 200) {
      const failing = (body?.failing ?? []).map((name) => `${name}: ${checks[name]?.error ?? 'failing'}`);
      return {
        status: 'fail',
        summary: `/health/ready answered ${answer.status}${failing.length ? ` — ${failing.join('; ')}` : ` ${clip(answer.text)}`}`,
        fix: 'Start the failing dependency (Ollama for "upstreams"; Postgres/Redis: `llm-gateway status`) and run again.',
        details,
      };
    }
    if (names.length === 0 && !token) {
      return { status: 'pass', summary: `ready in ${answer.ms} ms (details need the admin token)`, details };
    }
    if (names.length === 0) {
      return {
        status: 'fail',
        summary: '/health/ready answered 200 but named no dependencies',
        fix: 'Update the gateway to a version whose /health/ready reports its checks.',
        details,
      };
    }
    return { status: 'pass', summary: `ready in ${answer.ms} ms: ${deps.join(', ')}`, details };
  },
};
