// The IPC wire names, with no imports at all: the preload (bundled on its own, sandboxed) and the main process
// both take them from here, so a renamed channel cannot leave one side behind.

/** One invoke channel per operation: `llmgw:op:keys.create`. */
export const CHANNEL_PREFIX = 'llmgw:op:';
/** Main → renderer: every ControlEvent. */
export const EVENT_CHANNEL = 'llmgw:event';
/** The name the preload exposes on `window`. */
export const BRIDGE_GLOBAL = 'llmgw';
