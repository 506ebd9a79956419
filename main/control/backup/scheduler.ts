// The daily backup of the control plane (tray or `serve` process): every hour it checks whether a backup is due —
// the setting is on, the gateway runs, and the last successful backup (any, the user's own included) is a day old
// or there is none — then backs up the running mode's database into the backups folder and deletes the mode's
// own backups beyond `keep`. A failure is reported (warning event, `backup.status`) and retried at the next check.
import type { BackupStatusView } from '../../../common/protocol/views.js';
import { ControlError, toControlError } from '../errors.js';
import { createBackup, lastBackup, type BackupMode, type BackupRecord, type BackupTarget } from './backups.js';
import { pruneBackups } from './retention.js';

export const DAY_MS = 86_400_000;
export const CHECK_INTERVAL_MS = 3_600_000;
/** After start, the gateway usually runs within this (the tray's auto-start, the user's click). */
export const FIRST_CHECK_MS = 120_000;

export interface SchedulerOptions {
  home: string;
  /** The current `backup` settings. */
  settings: () => { daily: boolean; keep: number };
  /** The mode whose gateway runs now, or null when none runs (nothing to back up). */
  runningMode: () => BackupMode | null;
  /** Where the backup is taken from for that mode. */
  target: (mode: BackupMode) => Promise<BackupTarget>;
  onBackup?: (record: BackupRecord, pruned: string[]) => void;
  onFailure?: (error: ControlError) => void;
  intervalMs?: number;
  firstCheckMs?: number;
}

/** What `backup.status` returns (the dashboard's Backups line). */
export type ScheduleView = BackupStatusView;

export class BackupScheduler {
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private running: Promise<BackupRecord | null> | undefined;
  private lastError: ScheduleView['lastError'] = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: SchedulerOptions) {}

  start(): void {
    if (this.timer) return;
    // A first check soon after start (an app opened once a day still gets its backup), then every interval.
    this.first = setTimeout(() => void this.tick().catch(() => undefined), this.o.firstCheckMs ?? FIRST_CHECK_MS);
    this.first.unref();
    // A failed check is recorded in lastError and reported through onFailure; the next check retries.
    this.timer = setInterval(() => void this.tick().catch(() => undefined), this.o.intervalMs ?? CHECK_INTERVAL_MS);
    // The schedule alone must not keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.first);
    clearInterval(this.timer);
    this.timer = undefined;
  }

  dueAt(): Date | null {
    if (!this.o.settings().daily) return null;
    const last = lastBackup(this.o.home);
    return last ? new Date(Date.parse(last.created_at) + DAY_MS) : new Date(0);
  }

  view(now = new Date()): ScheduleView {
    const { daily, keep } = this.o.settings();
    const due = this.dueAt();
    return {
      daily,
      keep,
      last: lastBackup(this.o.home),
      nextDueAt: due ? new Date(Math.max(due.getTime(), now.getTime())).toISOString() : null,
      lastError: this.lastError,
    };
  }

  /** One check: backs up when due; returns the new backup, or null when none was due (or one already runs). */
  tick(now = new Date()): Promise<BackupRecord | null> {
    if (this.running) return this.running;
    const due = this.dueAt();
    const mode = this.o.runningMode();
    if (!due || due.getTime() > now.getTime() || mode === null) return Promise.resolve(null);
    this.running = this.backup(mode, now, true).finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * A backup now (the dashboard's "Back up now" and the schedule), pruned to `keep` afterwards. One at a time: two
   * in the same second would share a file name.
   */
  backup(mode: BackupMode, now = new Date(), scheduled = false): Promise<BackupRecord> {
    const next = this.queue.then(() => this.backupNow(mode, now, scheduled));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async backupNow(mode: BackupMode, now: Date, scheduled: boolean): Promise<BackupRecord> {
    try {
      const record = await createBackup(await this.o.target(mode), { home: this.o.home, scheduled, now });
      const pruned = pruneBackups(this.o.home, mode, this.o.settings().keep);
      this.lastError = null;
      this.o.onBackup?.(record, pruned);
      return record;
    } catch (err) {
      const error = toControlError(err);
      this.lastError = { at: now.toISOString(), message: error.message, hint: error.hint };
      if (scheduled) this.o.onFailure?.(error);
      throw error;
    }
  }
}
