// The page's one copy of the control plane's state: loaded with state.get, patched by events (status, pulls), and
// reloaded when something coarser changed (keys, models, settings, mode). Panels subscribe to it.
import type { Api } from './api.js';
import type { ControlEvent, ControlState, PullState } from './bridge/types.js';

export type StoreListener = (state: ControlState) => void;
export type EventListener = (event: ControlEvent) => void;

export function upsertPull(pulls: PullState[], pull: PullState): PullState[] {
  const i = pulls.findIndex((p) => p.name === pull.name);
  if (i === -1) return [...pulls, pull];
  const next = [...pulls];
  next[i] = pull;
  return next;
}

/** The state after an event; `reload: true` when the event means "ask for the whole state again". */
export function applyEvent(state: ControlState, event: ControlEvent): { state: ControlState; reload: boolean } {
  switch (event.type) {
    case 'status':
      return { state: { ...state, health: event.health }, reload: false };
    case 'pull-progress':
      return { state: { ...state, pulls: upsertPull(state.pulls, event.pull) }, reload: false };
    case 'warning':
      return { state: { ...state, warnings: [...state.warnings, event.message].slice(-20) }, reload: false };
    case 'models-changed':
    case 'keys-changed':
    case 'settings-changed':
    case 'mode-changed':
      return { state, reload: true };
    default:
      return { state, reload: false };
  }
}

export class Store {
  state: ControlState | null = null;
  private readonly listeners = new Set<StoreListener>();
  private readonly eventListeners = new Set<EventListener>();
  private reloading: Promise<void> | null = null;

  constructor(private readonly api: Api) {}

  async load(): Promise<ControlState> {
    this.set(await this.api.call('state.get'));
    return this.state!;
  }

  /** Coalesces bursts of change events into one state.get. */
  reload(): Promise<void> {
    this.reloading ??= this.load()
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => (this.reloading = null));
    return this.reloading;
  }

  set(state: ControlState): void {
    this.state = state;
    for (const listener of [...this.listeners]) listener(state);
  }

  handle(event: ControlEvent): void {
    for (const listener of [...this.eventListeners]) listener(event);
    if (!this.state) return;
    const { state, reload } = applyEvent(this.state, event);
    if (state !== this.state) this.set(state);
    if (reload) void this.reload();
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    if (this.state) listener(this.state);
    return () => this.listeners.delete(listener);
  }

  onEvent(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }
}
