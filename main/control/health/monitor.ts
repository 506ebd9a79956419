// Health monitor: gathers the inputs of aggregateHealth (stack containers, /health/ready through the gateway port,
// Ollama's /api/version), re-checks on Engine events and on a timer (faster while starting), and emits only changes.
import { send, jsonOf } from '../http.js';
import {
  aggregateHealth,
  sameHealth,
  type ContainerView,
  type HealthInputs,
  type HealthSnapshot,
  type OllamaProbe,
  type ReadyProbe,
} from './aggregate.js';
import type { OllamaReach } from './ollama-reach.js';

/** What the monitor needs from the stack controller (StackController satisfies it through a thin adapter). */
export interface StackView {
  /** The project's containers; throws when the Engine is unreachable. */
  containers(): Promise<ContainerView[]>;
  /** Calls onChange on every container start/die/health event; resolves to a handle to stop watching. */
  watch?(onChange: () => void): Promise<{ close(): void }>;
}

export interface HealthSources {
  stack?: StackView;
  /** Base URL of the gateway (Nginx in stack mode); null when none is meant to run. */
  gatewayUrl(): string | null;
  /** Ollama's version, throwing when unreachable. */
  ollamaVersion(): Promise<string>;
  /** Stack mode: can the replicas reach Ollama, and if not why (see ollama-reach.ts). */
  ollamaReach?(): Promise<OllamaReach | null>;
}

export interface MonitorOptions {
  intervalMs?: number;
  /** Interval while something is starting (users watch the tray then). */
  fastIntervalMs?: number;
  probeTimeoutMs?: number;
  onChange?: (snapshot: HealthSnapshot) => void;
}

export async function probeReady(url: string, timeoutMs = 3_000): Promise<ReadyProbe> {
  try {
    const res = await send(`${url}/health/ready`, { timeoutMs }, 'gateway_unreachable');
    const body = (await jsonOf(res)) as { failing?: string[] } | null;
    return {
      reachable: true,
      ok: res.status === 200,
      failing: body?.failing ?? (res.ok ? [] : [`HTTP ${res.status}`]),
    };
  } catch (err) {
    return { reachable: false, error: (err as Error).message };
  }
}

export class HealthMonitor {
  private mode: HealthInputs['mode'] = 'none';
  private transition: HealthInputs['transition'] = null;
  private snapshot: HealthSnapshot = aggregateHealth({
    mode: 'none',
    transition: null,
    containers: [],
    ready: null,
    ollama: null,
  });
  private timer: NodeJS.Timeout | undefined;
  private watcher: { close(): void } | undefined;
  private running = false;
  private tail: Promise<unknown> = Promise.resolve();
  private pending: Promise<HealthSnapshot> | undefined;

  constructor(
    private readonly sources: HealthSources,
    private readonly options: MonitorOptions = {},
  ) {}

  current(): HealthSnapshot {
    return this.snapshot;
  }

  setMode(mode: HealthInputs['mode']): void {
    this.mode = mode;
    void this.refresh();
  }

  setTransition(transition: HealthInputs['transition']): void {
    this.transition = transition;
    void this.refresh();
  }

  /**
   * Checks everything now. Checks run one at a time; a call while one runs queues exactly one more (callers that
   * arrive meanwhile share it), so the answer always reflects the state at or after the call.
   */
  refresh(): Promise<HealthSnapshot> {
    if (this.pending) return this.pending;
    const next = this.tail.then(() => {
      this.pending = undefined;
      return this.check();
    });
    this.pending = next;
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async check(): Promise<HealthSnapshot> {
    const timeout = this.options.probeTimeoutMs ?? 3_000;
    const url = this.sources.gatewayUrl();
    const mode = this.mode;
    const transition = this.transition;
    const [containers, ready, ollama, reach] = await Promise.all([
      mode === 'stack' && this.sources.stack ? this.sources.stack.containers().catch(() => null) : Promise.resolve([]),
      mode !== 'none' && url ? probeReady(url, timeout) : Promise.resolve(null),
      this.sources
        .ollamaVersion()
        .then((version): OllamaProbe => ({ ok: true, version }))
        .catch((err: unknown): OllamaProbe => ({ ok: false, error: (err as Error).message })),
      mode === 'stack' && this.sources.ollamaReach
        ? this.sources.ollamaReach().catch(() => null)
        : Promise.resolve(null),
    ]);
    const next = aggregateHealth({ mode, transition, containers, ready, ollama, reach });
    if (!sameHealth(next, this.snapshot)) {
      this.snapshot = next;
      this.options.onChange?.(next);
    }
    this.schedule();
    return next;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.sources.stack?.watch) {
      this.watcher = await this.sources.stack.watch(() => void this.refresh()).catch(() => undefined);
    }
    await this.refresh();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (!this.running) return;
    const fast = this.snapshot.status === 'starting' || this.transition !== null;
    const ms = fast ? (this.options.fastIntervalMs ?? 1_000) : (this.options.intervalMs ?? 5_000);
    this.timer = setTimeout(() => void this.refresh(), ms);
    this.timer.unref();
  }
}
