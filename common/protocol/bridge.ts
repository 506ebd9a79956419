// What every bridge shares (Electron IPC, the HTTP `serve` bridge): channel names, the name the preload exposes,
// and the result envelope that carries a ControlError across intact.
import type { ControlEvent } from './events.js';
import { ControlError, type ControlErrorData, isControlErrorData } from './errors.js';
import { isOperationName, type OperationName } from './operations.js';

import { CHANNEL_PREFIX } from './channels.js';

export { BRIDGE_GLOBAL, CHANNEL_PREFIX, EVENT_CHANNEL } from './channels.js';

export function channelFor(op: OperationName): string {
  return `${CHANNEL_PREFIX}${op}`;
}

export function operationOfChannel(channel: string): OperationName | null {
  if (!channel.startsWith(CHANNEL_PREFIX)) return null;
  const op = channel.slice(CHANNEL_PREFIX.length);
  return isOperationName(op) ? op : null;
}

/** Errors are values: Electron's IPC (and JSON over HTTP) would otherwise keep only the message. */
export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: ControlErrorData };

export function unwrap<T>(result: BridgeResult<T>): T {
  if (result.ok) return result.value;
  throw ControlError.fromJSON(result.error);
}

export function isBridgeResult(value: unknown): value is BridgeResult<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: unknown };
  return v.ok === true || (v.ok === false && isControlErrorData(v.error));
}

/** What the preload puts on `window.llmgw` (the renderer's only door into the app). */
export interface RendererBridge {
  invoke(op: OperationName, input?: unknown): Promise<BridgeResult<unknown>>;
  /** Returns the unsubscribe function. */
  onEvent(listener: (event: ControlEvent) => void): () => void;
}
