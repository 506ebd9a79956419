// The types the page shares with the control plane (type-only imports: nothing of main/ is bundled).
export type { BridgeResult, RendererBridge, OperationName } from '../../../main/control/bridge.js';
export type { OperationOutputs, ReadinessHistoryView, RunSummary } from '../../../main/control/operations.js';
export type { OperationInput } from '../../../main/control/schemas.js';
export type { ControlEvent } from '../../../main/control/events.js';
export type { ControlErrorData } from '../../../main/control/errors.js';
export type { ControlState } from '../../../main/control/state.js';
export type { PullState } from '../../../main/control/models/pull-progress.js';
export type { InstalledModel } from '../../../main/control/models/ollama-client.js';
export type { CatalogEntry } from '../../../main/control/models/catalog.js';
export type { AppKey } from '../../../main/control/keys/key-service.js';
export type { CreatedKey } from '../../../main/control/keys/admin-client.js';
export type { UsageReport, UsageBucket } from '../../../main/control/usage.js';
export type { LogTail } from '../../../main/control/logs.js';
export type { HealthSnapshot, ServiceHealth } from '../../../main/control/health/aggregate.js';
export type { CheckResult, ReadinessEvent, RunReport } from '../../../main/readiness/types.js';
