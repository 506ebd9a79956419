// Pull state for the whole app (not a window): at most N pulls run at once, the rest wait in order; a second pull
// of the same model is refused; cancel aborts the HTTP request; resume = pull again (Ollama keeps partial blobs).
import { ControlError } from '../errors.js';
import type { OllamaClient } from './ollama-client.js';
import { normalizeModelName, parseModelInput } from './model-name.js';
import { PullProgress, type PullState } from './pull-progress.js';

export interface PullManagerOptions {
  maxParallel?: number;
  /** Least time between two progress events of one pull (phase changes always go out). */
  progressIntervalMs?: number;
  /** Finished pulls kept for display. */
  keepFinished?: number;
  onChange?: (state: PullState) => void;
  /** Called after a successful pull (the api refreshes the gateway's model list). */
  onInstalled?: (name: string) => void;
  now?: () => number;
}

interface Entry {
  key: string;
  progress: PullProgress;
  controller: AbortController;
  lastEmit: number;
  lastPhase: string;
  settled: Promise<PullState>;
  settle: (state: PullState) => void;
}

const ACTIVE = new Set(['queued', 'pulling', 'verifying']);

export class PullManager {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private running = 0;
  private readonly maxParallel: number;

  constructor(
    private readonly client: OllamaClient,
    private readonly options: PullManagerOptions = {},
  ) {
    this.maxParallel = Math.max(1, options.maxParallel ?? 2);
  }

  /** Starts (or queues) a pull of a name or a pasted `ollama pull|run NAME`; refuses a duplicate. */
  start(input: string): PullState {
    const name = parseModelInput(input);
    const key = normalizeModelName(name);
    const existing = this.entries.get(key);
    if (existing && ACTIVE.has(existing.progress.snapshot().phase)) {
      throw new ControlError('pull_in_progress', `${name} is already being pulled.`, { name: existing.progress.name });
    }
    let settle!: (state: PullState) => void;
    const settled = new Promise<PullState>((resolve) => (settle = resolve));
    const entry: Entry = {
      key,
      progress: new PullProgress(name, this.options.now),
      controller: new AbortController(),
      lastEmit: 0,
      lastPhase: '',
      settled,
      settle,
    };
    this.entries.delete(key); // a finished pull of the same name makes way (re-insert keeps display order fresh)
    this.entries.set(key, entry);
    this.queue.push(entry);
    this.emit(entry, true);
    this.pump();
    return entry.progress.snapshot();
  }

  /** Cancels a running or queued pull. The downloaded part stays in Ollama; pulling again resumes. */
  cancel(input: string): PullState {
    const entry = this.entries.get(normalizeModelName(parseModelInput(input)));
    if (!entry || !ACTIVE.has(entry.progress.snapshot().phase)) {
      throw new ControlError('pull_not_found', `No pull of ${input.trim()} is running.`);
    }
    const queued = this.queue.indexOf(entry);
    if (queued >= 0) this.queue.splice(queued, 1);
    entry.progress.cancel();
    entry.controller.abort(new Error('cancelled'));
    if (queued >= 0) this.finish(entry);
    return entry.progress.snapshot();
  }

  /** All pulls: running, queued and the last finished ones, oldest first. */
  list(): PullState[] {
    return [...this.entries.values()].map((e) => e.progress.snapshot());
  }

  get(input: string): PullState | undefined {
    return this.entries.get(normalizeModelName(input))?.progress.snapshot();
  }

  /** Resolves with the final state of the current pull of that model. */
  async wait(input: string): Promise<PullState> {
    const entry = this.entries.get(normalizeModelName(input));
    if (!entry) throw new ControlError('pull_not_found', `No pull of ${input} is known.`);
    return entry.settled;
  }

  get active(): number {
    return this.running;
  }

  /** Aborts every pull (app quit). */
  close(): void {
    for (const entry of [...this.queue]) this.cancel(entry.progress.name);
    for (const entry of this.entries.values()) entry.controller.abort(new Error('closing'));
  }

  private pump(): void {
    while (this.running < this.maxParallel && this.queue.length > 0) {
      const entry = this.queue.shift()!;
      this.running += 1;
      void this.run(entry).finally(() => {
        this.running -= 1;
        this.finish(entry);
        this.pump();
      });
    }
  }

  private async run(entry: Entry): Promise<void> {
    const { progress, controller } = entry;
    progress.start();
    this.emit(entry, true);
    try {
      for await (const line of this.client.pull(progress.name, controller.signal)) {
        progress.apply(line);
        this.emit(entry, false);
        if (line.error) return;
      }
      if (progress.snapshot().phase !== 'done')
        progress.fail('The pull stopped before it finished; pull again to resume.');
      else this.options.onInstalled?.(progress.name);
    } catch (err) {
      if (controller.signal.aborted) {
        if (progress.snapshot().phase !== 'cancelled') progress.cancel();
      } else {
        progress.fail(err instanceof Error ? err.message : String(err));
      }
    }
  }

  private finish(entry: Entry): void {
    this.emit(entry, true);
    entry.settle(entry.progress.snapshot());
    this.trim();
  }

  private emit(entry: Entry, force: boolean): void {
    const state = entry.progress.snapshot();
    const now = (this.options.now ?? Date.now)();
    const interval = this.options.progressIntervalMs ?? 250;
    if (!force && state.phase === entry.lastPhase && now - entry.lastEmit < interval) return;
    entry.lastEmit = now;
    entry.lastPhase = state.phase;
    this.options.onChange?.(state);
  }

  private trim(): void {
    const keep = this.options.keepFinished ?? 20;
    const finished = [...this.entries.values()].filter((e) => !ACTIVE.has(e.progress.snapshot().phase));
    for (const entry of finished.slice(0, Math.max(0, finished.length - keep))) this.entries.delete(entry.key);
  }
}
