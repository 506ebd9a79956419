// Readiness operations: run the suite against the running gateway (one run at a time, progress as events, the
// report appended to the history), the history view, the list of checks. Holds the "is a run going" summary.
import { CHECKS } from '../../readiness/checks/index.js';
import { ReadinessHistory, changedSince } from '../../readiness/history.js';
import { stackTargets } from '../../readiness/home.js';
import type { runReadiness } from '../../readiness/runner.js';
import type { ReadinessOptions, RunReport } from '../../readiness/types.js';
import { ControlError } from '../errors.js';
import type { ReadinessHistoryView, RunSummary } from '../operations.js';
import type { ParsedInput } from '../schemas.js';
import type { ControlState } from '../state.js';
import type { Operations, PlaneContext } from './context.js';

function summaryOf(run: RunReport): RunSummary {
  return {
    runId: run.runId,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    ok: run.ok,
    counts: run.counts,
    results: run.results.map((r) => ({
      id: r.id,
      number: r.number,
      title: r.title,
      status: r.status,
      summary: r.status === 'skip' ? (r.reason ?? r.summary) : r.summary,
    })),
  };
}

export interface ReadinessArea {
  operations: Operations<'readiness.run' | 'readiness.history' | 'readiness.checks'>;
  /** For the state snapshot. */
  summary(): ControlState['readiness'];
}

export function readinessArea(ctx: PlaneContext, run: typeof runReadiness): ReadinessArea {
  let readiness: ControlState['readiness'] = { running: false, last: null };
  const history = new ReadinessHistory(ctx.paths.history);

  const historyView = async (): Promise<ReadinessHistoryView> => {
    const loaded = await history.load();
    const runs = loaded.runs;
    const newest = runs[runs.length - 1];
    const lastGreen = newest ? ([...runs.slice(0, -1)].reverse().find((r) => r.ok) ?? null) : null;
    return {
      runs: runs.slice(-20).reverse().map(summaryOf),
      lastGreenAt: [...runs].reverse().find((r) => r.ok)?.finishedAt ?? null,
      changes: newest ? changedSince(newest, lastGreen) : [],
      ...(loaded.warning ? { warning: loaded.warning } : {}),
    };
  };

  const runSuite = async (input: ParsedInput<'readiness.run'>): Promise<RunReport> => {
    if (readiness.running) throw new ControlError('readiness_busy', 'A readiness run is already going.');
    const { runtime, stack } = ctx;
    const url = runtime.gatewayUrl();
    if (!url) throw new ControlError('gateway_unreachable', 'Start the gateway before running the readiness suite.');
    const adminToken = await runtime.adminToken();
    const stackEnv = runtime.mode === 'stack' ? (stack?.env() ?? null) : null;
    const options: ReadinessOptions = {
      url,
      ...(adminToken ? { adminToken } : {}),
      ...(input?.only ? { only: input.only } : {}),
      ...(input?.skip ? { skip: input.skip } : {}),
      ...(input?.model ? { model: input.model } : {}),
      ...(input?.failover ? { failover: true } : {}),
      ...(stackEnv ? stackTargets(stackEnv) : {}),
      ...(runtime.mode === 'stack' && stack ? { stack: stack.probe() } : {}),
    };
    readiness = { ...readiness, running: true };
    try {
      const report = await run(options, {
        onEvent: (event) => ctx.bus.emit({ type: 'readiness-progress', event }),
      });
      readiness = { running: false, last: { ok: report.ok, ...report.counts, finishedAt: report.finishedAt } };
      await history.append(report).catch((err: Error) => ctx.warn(`Readiness history not saved: ${err.message}`));
      return report;
    } finally {
      readiness = { ...readiness, running: false };
    }
  };

  return {
    summary: () => readiness,
    operations: {
      'readiness.run': (input) => runSuite(input),
      'readiness.history': () => historyView(),
      'readiness.checks': async () =>
        CHECKS.map((c) => ({ id: c.id, number: c.number, title: c.title, optIn: c.optIn ?? false })),
    },
  };
}
