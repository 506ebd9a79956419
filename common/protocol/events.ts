// The control plane's events as every bridge carries them (IPC event channel, the HTTP bridge's SSE stream).
import type { ControlErrorData } from './errors.js';
import type { HealthSnapshot, PullState, ReadinessEvent } from './views.js';

export type ControlEvent =
  | { type: 'status'; health: HealthSnapshot }
  | { type: 'pull-progress'; pull: PullState }
  | { type: 'models-changed' }
  | { type: 'keys-changed' }
  | { type: 'settings-changed' }
  | { type: 'mode-changed'; mode: 'stack' | 'embedded' | 'none'; url: string | null }
  | { type: 'stack-progress'; text: string }
  | { type: 'readiness-progress'; event: ReadinessEvent }
  | { type: 'warning'; message: string; error?: ControlErrorData };

export type ControlEventType = ControlEvent['type'];
