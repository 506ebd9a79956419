// `up` / `start` / `restart` progress per service: each service's state (creating → starting → waiting for health →
// healthy, or failed), its replicas, and the time since the command began. On a terminal one block of lines is
// redrawn in place (and ticks each second, so a long health wait is visibly alive); otherwise a plain line is printed
// whenever a service's state changes. Fed with the controller's events (compose's progress and the Engine lifecycle).
import type { ControllerEvent } from '../stack/controller.js';
import { serviceOf } from '../stack/progress.js';

export type Phase = 'building' | 'pulling' | 'creating' | 'starting' | 'waiting' | 'healthy' | 'stopped' | 'failed';

const ORDER: Phase[] = ['failed', 'building', 'pulling', 'creating', 'starting', 'waiting', 'stopped', 'healthy'];

/** compose's container statuses and the lifecycle's → one phase. */
export function phaseOf(status: string): Phase | null {
  const s = status.toLowerCase();
  if (/error|fail|unhealthy|exited/.test(s)) return 'failed';
  if (s === 'healthy') return 'healthy';
  if (/^(waiting|started|running)$/.test(s)) return 'waiting';
  if (/^(starting|restarting)$/.test(s)) return 'starting';
  if (/^(creating|created|recreate|recreated)$/.test(s)) return 'creating';
  if (/^(stopping|stopped|removed)$/.test(s)) return 'stopped';
  if (/^(pulling|pulled)/.test(s)) return 'pulling';
  return null;
}

interface ServiceState {
  containers: Map<string, Phase>;
  /** The image build or pull, before any container exists. */
  image: Phase | null;
  since: number;
}

export interface UpProgressOptions {
  tty: boolean;
  write: (text: string) => void;
  now?: () => number;
  project?: string;
}

export class UpProgress {
  private readonly services = new Map<string, ServiceState>();
  private readonly started: number;
  private readonly now: () => number;
  private drawn = 0;
  private lastLine = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: UpProgressOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    if (options.tty) {
      this.timer = setInterval(() => this.redraw(), 1_000);
      this.timer.unref();
    }
  }

  /** True when the event was progress this view shows (the caller prints the others as lines). */
  event(event: ControllerEvent): boolean {
    if (event.type === 'resource' && event.resource === 'container') {
      const phase = phaseOf(event.status);
      if (phase) this.set(event.service ?? serviceOf(event.name, this.options.project), event.name, phase);
      return true;
    }
    if (event.type === 'container') {
      const phase = phaseOf(event.status);
      if (phase) this.set(event.service, event.name, phase);
      return true;
    }
    if (event.type === 'build') {
      this.image('api-gateway', 'building');
      return true;
    }
    if (event.type === 'resource' && event.resource === 'image' && phaseOf(event.status) === 'pulling') {
      this.image(serviceOf(event.name, this.options.project), 'pulling');
      return true;
    }
    return false;
  }

  /** A line that is not progress (a step, a warning): printed above the block. */
  line(text: string): void {
    this.clear();
    this.options.write(`${text}\n`);
    this.redraw();
  }

  /** Stops ticking and leaves the final state on screen. */
  finish(): void {
    clearInterval(this.timer);
    this.redraw();
    this.drawn = 0;
  }

  /** The per-service lines as they stand (what the terminal block shows). */
  lines(): string[] {
    const width = Math.max(0, ...[...this.services.keys()].map((s) => s.length));
    return [...this.services.entries()].map(([service, state]) => `  ${this.describe(service, state, width)}`);
  }

  private state(service: string): ServiceState {
    let state = this.services.get(service);
    if (!state) {
      state = { containers: new Map(), image: null, since: this.now() };
      this.services.set(service, state);
    }
    return state;
  }

  private image(service: string, phase: Phase): void {
    const state = this.state(service);
    if (state.containers.size === 0 && state.image !== phase) {
      state.image = phase;
      this.changed(service);
    }
  }

  private set(service: string, container: string, phase: Phase): void {
    const state = this.state(service);
    if (state.containers.get(container) === phase) return;
    state.containers.set(container, phase);
    this.changed(service);
  }

  private summary(state: ServiceState): { phase: Phase; detail: string } {
    const phases = [...state.containers.values()];
    if (phases.length === 0) return { phase: state.image ?? 'creating', detail: '' };
    const phase = ORDER.find((p) => phases.includes(p))!;
    const healthy = phases.filter((p) => p === 'healthy').length;
    return { phase, detail: phases.length > 1 ? ` (${healthy}/${phases.length} healthy)` : '' };
  }

  private describe(service: string, state: ServiceState, width: number): string {
    const { phase, detail } = this.summary(state);
    const mark = phase === 'healthy' || phase === 'stopped' ? '✔' : phase === 'failed' ? '✗' : '…';
    const label = phase === 'waiting' ? 'waiting for health' : phase;
    const elapsed = ((this.now() - this.started) / 1000).toFixed(1);
    return `${mark} ${service.padEnd(width)}  ${label}${detail}  ${elapsed}s`;
  }

  private changed(service: string): void {
    if (this.options.tty) return this.redraw();
    const state = this.services.get(service)!;
    const { phase, detail } = this.summary(state);
    const key = `${phase}${detail}`;
    if (this.lastLine.get(service) === key) return;
    this.lastLine.set(service, key);
    this.options.write(`${this.describe(service, state, 0).replace(/ {2}/, ': ')}\n`);
  }

  private clear(): void {
    if (!this.options.tty || this.drawn === 0) return;
    this.options.write(`\x1b[${this.drawn}A\x1b[J`);
    this.drawn = 0;
  }

  private redraw(): void {
    if (!this.options.tty) return;
    this.clear();
    const lines = this.lines();
    if (lines.length === 0) return;
    this.options.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
