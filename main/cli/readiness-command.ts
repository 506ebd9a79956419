// `llm-gateway readiness`: runs the readiness suite against a gateway (the stack on :3000 by default, or any
// --url), prints ✓/✗ lines as checks finish (or one JSON object with --json), writes JUnit with --junit, keeps
// the run in the history, and exits 0 only when no selected check failed.
import { writeFileSync } from 'node:fs';
import {
  CHECKS,
  ReadinessError,
  ReadinessHistory,
  defaultHistoryPath,
  humanHeader,
  humanLine,
  junitReport,
  llmgwHome,
  readStackEnv,
  runReadiness,
  stackTargets,
  summaryLine,
  type ReadinessOptions,
  type StackProbe,
} from '../readiness/index.js';
import { formatDuration } from '../readiness/report-human.js';
import { CliError } from './errors.js';

/** The parsed options (commands.ts defines them: names, values, help). */
export interface ReadinessFlags {
  url?: string;
  key?: string;
  adminToken?: string;
  model?: string;
  only?: string[];
  skip?: string[];
  json?: boolean;
  junit?: string;
  failover?: boolean;
  databaseUrl?: string;
  databaseSchema?: string;
  redisUrl?: string;
  origin?: string;
  replicas?: number;
  maxBodyBytes?: number;
  timeout?: number;
  /** A file, or false for --no-history. */
  history?: string | false;
  list?: boolean;
}

const DEFAULT_URL = 'http://127.0.0.1:3000';

/** What the gateway at `url` runs on, from /health/ready (null when it does not answer). */
async function backendKinds(url: string, adminToken?: string): Promise<{ store?: string; limiter?: string } | null> {
  try {
    // The kinds are details, given to the admin token only.
    const response = await fetch(`${url.replace(/\/+$/, '')}/health/ready`, {
      signal: AbortSignal.timeout(3000),
      ...(adminToken ? { headers: { authorization: `Bearer ${adminToken}` } } : {}),
    });
    const body = (await response.json()) as { checks?: { store?: { kind?: string }; limiter?: { kind?: string } } };
    return { store: body.checks?.store?.kind, limiter: body.checks?.limiter?.kind };
  } catch {
    return null;
  }
}

/** The stack controller's probe, once main/stack provides `readiness-probe.js` exporting createStackProbe(). */
async function loadStackProbe(): Promise<StackProbe | null> {
  const specifier = '../stack/readiness-probe.js';
  try {
    const mod = (await import(specifier)) as { createStackProbe?: () => Promise<StackProbe | null> };
    return (await mod.createStackProbe?.()) ?? null;
  } catch {
    return null;
  }
}

export async function runReadinessCommand(values: ReadinessFlags): Promise<void> {
  if (values.list) {
    for (const check of CHECKS)
      console.log(
        `${String(check.number).padStart(2)}  ${check.id.padEnd(16)} ${check.title}${check.optIn ? ' (opt-in: --failover)' : ''}`,
      );
    return;
  }
  const url = (values.url ?? DEFAULT_URL).replace(/\/+$/, '');
  const stackEnv = readStackEnv();
  const adminToken = values.adminToken || process.env.ADMIN_TOKEN || stackEnv?.ADMIN_TOKEN;
  const options: ReadinessOptions = {
    url,
    ...(values.key ? { key: values.key } : {}),
    ...(adminToken ? { adminToken } : {}),
    ...(values.model ? { model: values.model } : {}),
    ...(values.only ? { only: values.only } : {}),
    ...(values.skip ? { skip: values.skip } : {}),
    failover: values.failover ?? false,
    ...(values.databaseUrl ? { databaseUrl: values.databaseUrl } : {}),
    ...(values.databaseSchema ? { databaseSchema: values.databaseSchema } : {}),
    ...(values.redisUrl ? { redisUrl: values.redisUrl } : {}),
    ...(values.origin ? { origin: values.origin } : {}),
  };
  const replicas = values.replicas;
  const maxBody = values.maxBodyBytes;
  const timeout = values.timeout;
  if (replicas) options.expectedReplicas = replicas;
  if (maxBody) options.maxBodyBytes = maxBody;
  if (timeout) options.timeoutMs = timeout * 1000;

  // The stack: its generated env file exists and the gateway says it runs on Postgres (or does not answer at all).
  if (stackEnv) {
    const kinds = await backendKinds(url, adminToken);
    const targets = stackTargets(stackEnv);
    const isStack = kinds ? kinds.store === 'postgres' : url === DEFAULT_URL;
    if (isStack) {
      if (!options.databaseUrl && targets.databaseUrl) options.databaseUrl = targets.databaseUrl;
      if (!options.redisUrl && targets.redisUrl && (!kinds || kinds.limiter === 'redis'))
        options.redisUrl = targets.redisUrl;
      const stack = await loadStackProbe();
      if (stack) options.stack = stack;
    }
  }

  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  let report;
  try {
    report = await runReadiness(options, {
      onEvent: (event) => {
        if (values.json) return;
        if (event.type === 'run-start') console.log(humanHeader(event.url, event.checks.length));
        if (event.type === 'check-end') console.log(humanLine(event.result, { color }));
        if (event.type === 'warning') console.log(`! ${event.message}`);
      },
    });
  } catch (err) {
    if (err instanceof ReadinessError) throw new CliError('usage', `${err.message} ${err.hint}`);
    throw err;
  }
  if (values.junit) writeFileSync(values.junit, junitReport(report));
  if (values.history !== false) {
    const history = new ReadinessHistory(values.history ?? defaultHistoryPath(llmgwHome()));
    const saved = await history
      .append(report)
      .catch((err: Error) => ({ warning: `History not saved: ${err.message}` }));
    if (saved.warning) console.error(`llm-gateway: ${saved.warning}`);
  }
  if (values.json) console.log(JSON.stringify(report));
  else {
    console.log(
      `${report.cleanup.keysCreated} temporary key(s) created, ${report.cleanup.keysRevoked} revoked; took ${formatDuration(report.durationMs)}`,
    );
    console.log(summaryLine(report));
  }
  process.exitCode = report.ok ? 0 : 1;
}
