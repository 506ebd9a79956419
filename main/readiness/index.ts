// The readiness suite's public API (plain Node, no Electron): run the checks, report, keep history.
export { runReadiness, selectChecks, DEFAULT_TIMEOUT_MS, type RunHooks } from './runner.js';
export { CHECKS } from './checks/index.js';
export { ReadinessError, READINESS_ERRORS, type ReadinessErrorCode } from './errors.js';
export { humanHeader, humanLine, humanReport, summaryLine } from './report-human.js';
export { junitReport } from './report-junit.js';
export { ReadinessHistory, changedSince, defaultHistoryPath, HISTORY_LIMIT, type CheckChange } from './history.js';
export { llmgwHome, readStackEnv, stackTargets } from './home.js';
export { pickChatModel, isEmbeddingModel } from './model-choice.js';
export type * from './types.js';
