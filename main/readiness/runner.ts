// Runs the selected checks one after another, each with its own timeout; a failing or crashing check never
// hides the others. Emits progress events as each check starts and ends, and revokes every temporary key at the end.
import { CHECKS } from './checks/index.js';
import { ReadinessError } from './errors.js';
import { RunSession } from './session.js';
import type {
  CheckDefinition,
  CheckOutcome,
  CheckResult,
  ReadinessEvent,
  ReadinessOptions,
  RunReport,
} from './types.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface RunHooks {
  onEvent?: (event: ReadinessEvent) => void;
  /** The checks to choose from (tests pass their own). */
  checks?: readonly CheckDefinition[];
}

/** Resolves `only`/`skip` (ids or numbers) to checks; unknown names throw `unknown_check`. */
export function selectChecks(
  options: Pick<ReadinessOptions, 'only' | 'skip'>,
  checks: readonly CheckDefinition[] = CHECKS,
) {
  const resolve = (names: string[] | undefined): Set<string> | undefined => {
    if (!names) return undefined;
    const ids = new Set<string>();
    for (const raw of names.map((name) => name.trim()).filter(Boolean)) {
      const found = checks.find((check) => check.id === raw.toLowerCase() || String(check.number) === raw);
      if (!found) {
        throw new ReadinessError(
          'unknown_check',
          `Unknown check '${raw}'. Checks: ${checks.map((c) => `${c.number}=${c.id}`).join(', ')}.`,
        );
      }
      ids.add(found.id);
    }
    return ids;
  };
  const only = resolve(options.only);
  const skip = resolve(options.skip) ?? new Set<string>();
  return {
    only,
    selected: checks.filter((check) => (!only || only.has(check.id)) && !skip.has(check.id)),
  };
}

async function runOne(check: CheckDefinition, session: RunSession, defaultTimeout: number): Promise<CheckOutcome> {
  const timeoutMs = check.timeoutMs ?? defaultTimeout;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('timeout'));
      resolve({
        status: 'fail',
        summary: `no result within ${Math.round(timeoutMs / 1000)} s`,
        fix: new ReadinessError('timeout', '').hint,
        code: 'timeout',
      });
    }, timeoutMs);
  });
  try {
    return await Promise.race([check.run(session.contextFor(controller.signal)), timeout]);
  } catch (err) {
    if (err instanceof ReadinessError) return { status: 'fail', summary: err.message, fix: err.hint, code: err.code };
    return {
      status: 'fail',
      summary: `the check crashed: ${(err as Error).message ?? String(err)}`,
      fix: 'This is a bug in the readiness suite or an unexpected answer; run with --json and report the details.',
      code: 'crashed',
    };
  } finally {
    clearTimeout(timer);
  }
}

export async function runReadiness(options: ReadinessOptions, hooks: RunHooks = {}): Promise<RunReport> {
  const emit = (event: ReadinessEvent) => {
    try {
      hooks.onEvent?.(event);
    } catch {
      // A broken listener must not break the run.
    }
  };
  const { only, selected } = selectChecks(options, hooks.checks);
  const session = new RunSession(options);
  const startedAt = new Date();
  const warnings: string[] = [];
  emit({
    type: 'run-start',
    runId: session.runId,
    url: session.url,
    checks: selected.map(({ id, number, title }) => ({ id, number, title })),
  });

  const results: CheckResult[] = [];
  for (const [index, check] of selected.entries()) {
    emit({
      type: 'check-start',
      id: check.id,
      number: check.number,
      title: check.title,
      index,
      total: selected.length,
    });
    const started = performance.now();
    const optedIn = !check.optIn || options.failover === true || only?.has(check.id) === true;
    const outcome: CheckOutcome = optedIn
      ? await runOne(check, session, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
      : { status: 'skip', reason: `opt-in (disruptive): run with --failover` };
    const result: CheckResult = {
      id: check.id,
      number: check.number,
      title: check.title,
      status: outcome.status,
      durationMs: Math.round(performance.now() - started),
      summary: outcome.status === 'skip' ? outcome.reason : outcome.summary,
      details: outcome.details ?? {},
      ...(outcome.status === 'skip' ? { reason: outcome.reason } : {}),
      ...(outcome.status === 'fail' ? { fix: outcome.fix, ...(outcome.code ? { code: outcome.code } : {}) } : {}),
    };
    results.push(result);
    emit({ type: 'check-end', result, index, total: selected.length });
  }

  for (const warning of await session.cleanup()) {
    warnings.push(warning);
    emit({ type: 'warning', message: warning });
  }
  const finishedAt = new Date();
  const counts = {
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail').length,
    skipped: results.filter((r) => r.status === 'skip').length,
  };
  const report: RunReport = {
    runId: session.runId,
    url: session.url,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    ok: counts.failed === 0,
    counts,
    results,
    warnings,
    cleanup: { keysCreated: session.keysCreated, keysRevoked: session.keysRevoked },
  };
  emit({ type: 'run-end', report });
  return report;
}
