// The last runs (50 by default) as JSON in $LLMGW_HOME/readiness-history.json, validated on load: a bad file is
// set aside (`.bad` copy) and replaced by an empty history with a warning, never a crash. changedSince() tells
// the UI which checks differ from the last green run.
import { mkdir, readFile, rename, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { READINESS_ERRORS } from './errors.js';
import { llmgwHome } from './home.js';
import type { RunReport } from './types.js';
import type { CheckChange } from '../../common/protocol/views.js';
export type { CheckChange } from '../../common/protocol/views.js';

export const HISTORY_LIMIT = 50;

const resultSchema = z.looseObject({
  id: z.string(),
  number: z.number(),
  title: z.string(),
  status: z.enum(['pass', 'fail', 'skip']),
  durationMs: z.number(),
  summary: z.string(),
  reason: z.string().optional(),
  details: z.record(z.string(), z.unknown()),
  fix: z.string().optional(),
  code: z.string().optional(),
});

const reportSchema = z.looseObject({
  runId: z.string(),
  url: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  ok: z.boolean(),
  counts: z.object({ passed: z.number(), failed: z.number(), skipped: z.number() }),
  results: z.array(resultSchema),
  warnings: z.array(z.string()),
  cleanup: z.object({ keysCreated: z.number(), keysRevoked: z.number() }),
});

const fileSchema = z.object({ version: z.literal(1), runs: z.array(reportSchema) });

export function defaultHistoryPath(home = llmgwHome()): string {
  return path.join(home, 'readiness-history.json');
}

export interface LoadedHistory {
  runs: RunReport[];
  warning?: string;
}

export class ReadinessHistory {
  constructor(
    readonly file: string = defaultHistoryPath(),
    private readonly limit = HISTORY_LIMIT,
  ) {}

  /** Oldest first. A missing file is an empty history; an invalid one is reset with a warning. */
  async load(): Promise<LoadedHistory> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return { runs: [] };
      return { runs: [], warning: `Could not read ${this.file}: ${(err as Error).message}` };
    }
    let problem: string;
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      if (parsed.success) return { runs: parsed.data.runs as RunReport[] };
      const issue = parsed.error.issues[0];
      problem = `${issue?.path.join('.') || '(file)'}: ${issue?.message ?? 'invalid'}`;
    } catch (err) {
      problem = `not JSON (${(err as Error).message})`;
    }
    await copyFile(this.file, `${this.file}.bad`).catch(() => undefined);
    await this.write([]).catch(() => undefined);
    return {
      runs: [],
      warning: `Readiness history ${this.file} was invalid (${problem}); kept a copy as .bad. ${READINESS_ERRORS.history_invalid.hint}`,
    };
  }

  /** Adds a run, keeps the newest `limit`, and returns the runs (oldest first) plus any load warning. */
  async append(report: RunReport): Promise<LoadedHistory> {
    const loaded = await this.load();
    const runs = [...loaded.runs, report].slice(-this.limit);
    await this.write(runs);
    return { runs, ...(loaded.warning ? { warning: loaded.warning } : {}) };
  }

  /** The newest run in which no check failed, or null. */
  async lastGreen(): Promise<RunReport | null> {
    const { runs } = await this.load();
    return [...runs].reverse().find((run) => run.ok) ?? null;
  }

  private async write(runs: RunReport[]): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ version: 1, runs }, null, 1)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}

/** Checks whose status differs between `lastGreen` and `current` (every check of current when none was green). */
export function changedSince(current: RunReport, lastGreen: RunReport | null): CheckChange[] {
  const before = new Map((lastGreen?.results ?? []).map((r) => [r.id, r]));
  const changes: CheckChange[] = [];
  for (const result of current.results) {
    const old = before.get(result.id);
    if (!old || old.status !== result.status)
      changes.push({ id: result.id, title: result.title, before: old?.status ?? null, now: result.status });
    before.delete(result.id);
  }
  if (lastGreen)
    for (const old of before.values()) changes.push({ id: old.id, title: old.title, before: old.status, now: null });
  return changes;
}
