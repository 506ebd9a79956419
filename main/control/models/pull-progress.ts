// Pure pull-progress arithmetic: Ollama reports bytes per layer; users want one bar. Layers add up to the model's
// size, so the percentage is completed bytes over total bytes of every layer seen so far; speed is a sliding
// window over recent samples (so a resumed pull does not report the resumed bytes as instant speed); ETA follows.
import type { PullLine } from './ollama-client.js';
import type { PullPhase, LayerProgress, PullState } from '../../../common/protocol/views.js';
export type { PullPhase, LayerProgress, PullState } from '../../../common/protocol/views.js';

interface Sample {
  at: number;
  completed: number;
}

export const SPEED_WINDOW_MS = 5_000;

export class PullProgress {
  private readonly layers = new Map<string, LayerProgress>();
  private samples: Sample[] = [];
  private phase: PullPhase = 'queued';
  private status = 'queued';
  private error: string | undefined;
  private readonly startedAt: number;
  private updatedAt: number;
  /** Ollama announces layers one by one, so the total grows mid-pull; the bar must never jump back. */
  private shownPercent = 0;

  constructor(
    readonly name: string,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.updatedAt = this.startedAt;
  }

  /** Applies one progress line (an `error` line fails the pull). */
  apply(line: PullLine): void {
    const at = this.now();
    this.updatedAt = at;
    if (line.error) {
      this.fail(line.error);
      return;
    }
    if (line.status) this.status = line.status;
    if (line.digest && typeof line.total === 'number') {
      const layer = this.layers.get(line.digest) ?? { digest: line.digest, total: line.total, completed: 0 };
      layer.total = line.total;
      // Progress never goes backwards within a pull (Ollama may repeat a line after a retry).
      layer.completed = Math.max(layer.completed, Math.min(line.total, line.completed ?? 0));
      this.layers.set(line.digest, layer);
      this.phase = 'pulling';
      const completed = this.completed();
      // The first sample of a resumed pull is the resume point, not speed.
      this.samples.push({ at, completed });
      this.samples = this.samples.filter((s) => s.at >= at - SPEED_WINDOW_MS);
    } else if (line.status === 'success') {
      this.phase = 'done';
    } else if (line.status && /verifying|writing manifest|removing/.test(line.status)) {
      this.phase = 'verifying';
    } else if (this.phase === 'queued') {
      this.phase = 'pulling';
    }
  }

  start(): void {
    if (this.phase === 'queued') {
      this.phase = 'pulling';
      this.status = 'starting';
      this.updatedAt = this.now();
    }
  }

  fail(message: string): void {
    this.phase = 'failed';
    this.error = message;
    this.updatedAt = this.now();
  }

  cancel(): void {
    this.phase = 'cancelled';
    this.status = 'cancelled';
    this.updatedAt = this.now();
  }

  completed(): number {
    let sum = 0;
    for (const layer of this.layers.values()) sum += layer.completed;
    return sum;
  }

  total(): number {
    let sum = 0;
    for (const layer of this.layers.values()) sum += layer.total;
    return sum;
  }

  bytesPerSecond(): number {
    if (this.phase !== 'pulling' || this.samples.length < 2) return 0;
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const seconds = (last.at - first.at) / 1000;
    return seconds > 0 ? Math.max(0, (last.completed - first.completed) / seconds) : 0;
  }

  snapshot(): PullState {
    const completed = this.completed();
    const total = this.total();
    const speed = this.bytesPerSecond();
    const done = this.phase === 'done';
    const raw = total > 0 ? Math.floor((completed / total) * 1000) / 10 : 0;
    // 100 only once Ollama says success: small layers may still be announced after the big one finished.
    this.shownPercent = Math.max(this.shownPercent, Math.min(raw, 99.9));
    const percent = done ? 100 : this.shownPercent;
    return {
      name: this.name,
      phase: this.phase,
      status: this.status,
      layers: [...this.layers.values()].map((l) => ({ ...l })),
      completed,
      total,
      percent,
      bytesPerSecond: Math.round(speed),
      etaSeconds: done ? 0 : speed > 0 ? Math.ceil((total - completed) / speed) : null,
      startedAt: new Date(this.startedAt).toISOString(),
      updatedAt: new Date(this.updatedAt).toISOString(),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }
}
