// The gateway's public entry: everything outside gateway/ (the CLI, the control plane's embedded mode, the
// readiness suite, the bench) imports the gateway from here and nowhere else (ESLint enforces it); tests may
// reach inside. What is not exported here is the gateway's own business and may change freely.
export { ConfigError, configFrom, loadConfig, type GatewayConfig } from './config.js';
export { startGateway, type Gateway } from './server.js';
export { openStore } from './store/index.js';
export type { Store } from './store/types.js';
export { LATEST_VERSION } from './store/migrations.js';
export { generateKey } from './auth/keys.js';
export { broadcastKeyInvalidation, type BroadcastResult } from './auth/broadcast.js';
export { keyView } from './routes/admin-keys.js';
export type { UsageWireRow, UsageWireSummary } from './routes/usage-wire.js';
export { runGateway } from './cli/run.js';
export { REQUEST_ID_FORMAT } from './http/context.js';
export { GATEWAY_CLI_ERRORS, GatewayCliError, type GatewayCliErrorCode } from './cli/errors.js';
