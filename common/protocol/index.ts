// The shared protocol module: the one vocabulary the renderer, the preload, the headless `serve` mode and the
// control plane speak — operation names and their zod input schemas, output and state types, events, error data,
// and every wire constant (IPC channels, the serve token header, the CSP). It imports zod and itself only, so the
// renderer (which may import nothing else from main/) and browser bundles can load it.
export * from './bridge.js';
export * from './errors.js';
export * from './events.js';
export * from './ip-rules.js';
export * from './operations.js';
export * from './settings.js';
export * from './views.js';
export * from './wire.js';
