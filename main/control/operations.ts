// The operations' output types live in the shared protocol module (common/protocol/operations.ts).
export type { OperationOutputs, ReadinessHistoryView, RunSummary } from '../../common/protocol/operations.js';
