// Usage accounting off the request path: rows are buffered and written in batches (by size or every interval).
// A store outage keeps rows buffered (bounded; the oldest are dropped and counted beyond the bound);
// stop() flushes everything it can before the process exits.
// With a journal (the stack: Redis), each row instead goes to Redis with its settle as the answer completes and
// the flush drains the journal into the store, so a killed process loses no row; the local buffer then only
// holds rows Redis did not take. Without one (embedded), the row waits here and the SQLite writer makes it durable.
import type { Logger } from 'pino';
import type { Store, UsageRow } from '../store/types.js';
import type { Limiter, SettleRequest } from '../limits/types.js';
import type { GatewayMetrics } from '../metrics.js';
import type { JournalEntries } from './redis-journal.js';

/** The part of RedisUsageJournal the recorder uses (tests may give another). */
export interface UsageJournal {
  append(row: UsageRow, settle: SettleRequest | null): Promise<{ settled: Promise<void> }>;
  read(count: number): Promise<JournalEntries>;
  ack(ids: string[]): Promise<void>;
}

export interface UsageRecorderOptions {
  batchSize: number;
  intervalMs: number;
  maxBuffered: number;
}

export class UsageRecorder {
  private buffer: UsageRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: UsageRecorderOptions,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
    private readonly limiter?: Limiter,
    private readonly journal?: UsageJournal,
  ) {
    metrics.usageBufferSize = () => this.buffer.length;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.intervalMs);
    this.timer.unref();
  }

  add(row: UsageRow): void {
    this.buffer.push(row);
    this.trim();
    if (this.buffer.length >= this.options.batchSize) void this.flush();
  }

  /**
   * Records one answered request: its row, and the settle of its token reservation (null when the admission was
   * not enforced). With a journal both go to Redis in one write, now; otherwise the row is buffered here.
   */
  record(row: UsageRow, settle: SettleRequest | null): void {
    if (!this.journal) {
      this.add(row);
      if (settle) this.limiter?.settle(settle).catch((err: unknown) => this.settleFailed(err));
      return;
    }
    this.journal.append(row, settle).then(
      (sent) => sent.settled.catch((err: unknown) => this.settleFailed(err)),
      (err: unknown) => {
        // Redis did not take it: the row goes the direct way (and the reservation simply expires with the window).
        this.log.warn({ err: String(err) }, 'usage journal unavailable; buffering the row for the store');
        this.add(row);
      },
    );
  }

  private settleFailed(err: unknown): void {
    this.log.warn({ err: String(err) }, 'token settle failed');
  }

  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Writes buffered rows batch by batch (and drains the journal); on failure the rows stay for the next attempt.
   * Covers everything recorded before the call: while a flush runs, one more is queued behind it (a running
   * drain may have read the journal before the latest rows reached it).
   */
  flush(): Promise<void> {
    if (this.flushing) {
      this.queued ??= this.flushing.then(() => {
        this.queued = undefined;
        return this.flush();
      });
      return this.queued;
    }
    this.flushing = this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer and flushes, retrying until the deadline while the store is unreachable. */
  async stop(deadlineMs = 10_000): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      await this.flush();
      if (this.buffer.length === 0) return;
      if (Date.now() >= deadline) {
        this.log.error({ lost: this.buffer.length }, 'usage rows could not be written before shutdown');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private async writeAll(): Promise<void> {
    await this.writeBuffered();
    if (this.journal) await this.drainJournal(this.journal);
  }

  /** Journal → store in batches; an entry is acknowledged only after its batch is committed (at-least-once). */
  private async drainJournal(journal: UsageJournal): Promise<void> {
    for (;;) {
      let entries: JournalEntries;
      try {
        entries = await journal.read(this.options.batchSize);
        if (entries.ids.length === 0) return;
        if (entries.rows.length > 0) await this.store.recordUsage(entries.rows);
        await journal.ack(entries.ids);
      } catch (err) {
        // Unacknowledged entries stay in the journal and are claimed again after the claim idle time.
        this.log.warn({ err: String(err) }, 'usage journal drain failed; will retry');
        return;
      }
      if (entries.malformed > 0)
        this.log.error({ malformed: entries.malformed }, 'usage journal entries that were not rows were dropped');
      this.metrics.usageWritten.inc(entries.rows.length);
      if (entries.ids.length < this.options.batchSize) return;
    }
  }

  private async writeBuffered(): Promise<void> {
    while (this.buffer.length > 0) {
      // Taken out while in flight so add() trimming the buffer can't touch it; put back in front on failure.
      const batch = this.buffer.splice(0, this.options.batchSize);
      try {
        await this.store.recordUsage(batch);
      } catch (err) {
        this.buffer.unshift(...batch);
        this.trim();
        this.log.warn({ err: String(err), buffered: this.buffer.length }, 'usage write failed; will retry');
        return;
      }
      this.metrics.usageWritten.inc(batch.length);
    }
  }

  private trim(): void {
    if (this.buffer.length <= this.options.maxBuffered) return;
    const dropped = this.buffer.length - this.options.maxBuffered;
    this.buffer.splice(0, dropped);
    this.metrics.usageDropped.inc(dropped);
    this.log.error({ dropped }, 'usage buffer full while the store is unreachable; oldest rows dropped');
  }
}
