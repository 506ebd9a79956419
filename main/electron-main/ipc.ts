// The ONE IPC choke point (like VS Code's ValidatedIpcMain): one handler per operation channel, each checking that
// the sender is our dashboard frame, then handing the raw input to the control plane's validated `call`
// (the same zod schemas as api.ts). Results and errors cross as BridgeResult values; events go out on one channel.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { channelFor, EVENT_CHANNEL, OPERATION_NAMES, type BridgeResult } from '../control/bridge.js';
import { ControlError } from '../control/errors.js';
import type { ControlPlane } from '../control/api.js';
import { isTrustedSender } from './security-policy.js';

export interface IpcTarget {
  window(): BrowserWindow | null;
  /** The URL the dashboard was loaded from. */
  dashboardUrl(): string;
}

function trusted(event: IpcMainInvokeEvent, target: IpcTarget): boolean {
  const win = target.window();
  if (!win || win.isDestroyed() || event.sender.id !== win.webContents.id) return false;
  // Only the top frame of our window: an iframe (should one ever slip in) gets nothing.
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  return isTrustedSender(frame.url, target.dashboardUrl());
}

export function registerIpc(plane: ControlPlane, target: IpcTarget): () => void {
  for (const op of OPERATION_NAMES) {
    ipcMain.handle(channelFor(op), async (event, input: unknown): Promise<BridgeResult<unknown>> => {
      if (!trusted(event, target)) {
        return {
          ok: false,
          error: new ControlError('forbidden_sender', `IPC from an untrusted frame was refused (${op}).`).toJSON(),
        };
      }
      return plane.call(op, input);
    });
  }
  const off = plane.events.on((event) => {
    const win = target.window();
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
  });
  return () => {
    off();
    for (const op of OPERATION_NAMES) ipcMain.removeHandler(channelFor(op));
  };
}
