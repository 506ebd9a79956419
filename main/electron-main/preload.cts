// The preload (CommonJS: sandboxed preloads cannot load ES modules or local files, only `electron`). It exposes
// exactly one object, window.llmgw: invoke(op, input) for the listed operations and onEvent(listener). Inputs
// are validated in the main process (ipc.ts); here we only refuse unknown operation names early. Its one local
// import (the channel names) is inlined by the preload's own bundle step (preload.vite.config.ts).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BRIDGE_GLOBAL, CHANNEL_PREFIX, EVENT_CHANNEL } from '../../common/protocol/channels.js';
import type { ControlEvent, OperationName, RendererBridge } from '../../common/protocol/index.js';

// Kept in step with OPERATION_INPUTS by the type below: adding an operation without listing it fails typechecking.
const OPERATIONS = [
  'state.get',
  'health.refresh',
  'gateway.start',
  'gateway.stop',
  'models.list',
  'models.catalog',
  'models.pulls',
  'models.pull',
  'models.cancelPull',
  'models.delete',
  'keys.list',
  'keys.create',
  'keys.revoke',
  'keys.rotate',
  'keys.reveal',
  'keys.setAllowedIps',
  'settings.get',
  'settings.update',
  'readiness.run',
  'readiness.history',
  'readiness.checks',
  'usage.get',
  'upstreams.get',
  'logs.tail',
  'doctor.run',
  'backup.status',
  'backup.run',
] as const satisfies readonly OperationName[];
type Missing = Exclude<OperationName, (typeof OPERATIONS)[number]>;
const everyOperationListed: [Missing] extends [never] ? true : Missing = true;
void everyOperationListed;

const bridge: RendererBridge = {
  invoke(op, input) {
    if (!(OPERATIONS as readonly string[]).includes(op)) {
      return Promise.resolve({
        ok: false,
        error: {
          code: 'unknown_operation',
          message: `Unknown operation '${String(op)}'.`,
          hint: 'Use one of the operations the control plane lists.',
        },
      });
    }
    return ipcRenderer.invoke(`${CHANNEL_PREFIX}${op}`, input);
  },
  onEvent(listener) {
    // Never hand the raw IpcRendererEvent (it carries `sender`) to the page.
    const wrapped = (_event: IpcRendererEvent, payload: ControlEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
