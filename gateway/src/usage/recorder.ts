// Usage accounting off the request path: rows are buffered and written in batches (by size or every interval).
// A store outage keeps rows buffered (bounded; the oldest are dropped and counted beyond the bound);
// stop() flushes everything it can before the process exits.
import type { Logger } from 'pino';
import type { Store, UsageRow } from '../store/types.js';
import type { GatewayMetrics } from '../metrics.js';

export interface UsageRecorderOptions {
  batchSize: number;
  intervalMs: number;
  maxBuffered: number;
}

export class UsageRecorder {
  private buffer: UsageRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: UsageRecorderOptions,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
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

  get pending(): number {
    return this.buffer.length;
  }

  /** Writes buffered rows batch by batch; on failure the rows stay buffered for the next attempt. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => {
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
