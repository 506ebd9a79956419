// The operations' output types (and the readiness history view), type-only imports, so the dashboard can share them
// without pulling the control plane's Node code into its typecheck or its bundle.
import type { CheckChange } from '../readiness/history.js';
import type { RunReport } from '../readiness/types.js';
import type { HealthSnapshot } from './health/aggregate.js';
import type { CreatedKey, KeyView } from './keys/admin-client.js';
import type { AppKey } from './keys/key-service.js';
import type { LogTail } from './logs.js';
import type { CatalogEntry } from './models/catalog.js';
import type { InstalledModel } from './models/ollama-client.js';
import type { PullState } from './models/pull-progress.js';
import type { Settings } from './settings/schema.js';
import type { ControlState } from './state.js';
import type { UsageReport } from './usage.js';

export interface OperationOutputs {
  'state.get': ControlState;
  'health.refresh': HealthSnapshot;
  'gateway.start': ControlState;
  'gateway.stop': ControlState;
  'models.list': InstalledModel[];
  'models.catalog': readonly CatalogEntry[];
  'models.pulls': PullState[];
  'models.pull': PullState;
  'models.cancelPull': PullState;
  'models.delete': { deleted: string };
  'keys.list': AppKey[];
  'keys.create': CreatedKey;
  'keys.revoke': KeyView;
  'keys.rotate': CreatedKey & { previous: KeyView };
  'keys.reveal': { id: string; name: string; key: string };
  'settings.get': Settings;
  'settings.update': Settings;
  'readiness.run': RunReport;
  'readiness.history': ReadinessHistoryView;
  'readiness.checks': Array<{ id: string; number: number; title: string; optIn: boolean }>;
  'usage.get': UsageReport;
  'logs.tail': LogTail;
}

/** A run as the history list shows it (no per-check details beyond status and summary). */
export interface RunSummary {
  runId: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  counts: RunReport['counts'];
  results: Array<{ id: string; number: number; title: string; status: string; summary: string }>;
}

export interface ReadinessHistoryView {
  /** Newest first, at most 20. */
  runs: RunSummary[];
  lastGreenAt: string | null;
  /** The newest run against the last green run before it. */
  changes: CheckChange[];
  warning?: string;
}
