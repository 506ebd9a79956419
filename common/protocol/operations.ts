// Every operation of the control plane: its name, its input schema (the api object, the Electron IPC choke point
// and the HTTP bridge validate with these same zod schemas, so a bad input is refused identically whichever way it
// arrives) and its output type.
import { z } from 'zod';
import { allowedIpsSchema } from './ip-rules.js';
import { settingsPatchSchema, type Settings } from './settings.js';
import type {
  AppKey,
  BackupRecordView,
  BackupStatusView,
  CatalogEntry,
  CheckChange,
  ControlState,
  CreatedKey,
  DoctorReport,
  HealthSnapshot,
  HostsReport,
  InstalledModel,
  KeyView,
  LogTail,
  PullState,
  RunReport,
  UsageReport,
} from './views.js';

const none = z.strictObject({}).optional();
const modelName = z.string().trim().min(1, 'model name is required').max(300);
const keyId = z.string().trim().min(1, 'key id is required').max(100);
const limit = z.number().int().positive().max(100_000_000).nullable().optional();

export const createKeyInput = z.strictObject({
  name: z.string().trim().min(1, 'a key needs a name').max(100),
  models: z.array(z.string().trim().min(1).max(256)).min(1).max(1000).nullable().optional(),
  rpm: limit,
  tpm: limit,
  /** Requests in flight at once (streams included); unset = the gateway's default. */
  maxConcurrent: z.number().int().positive().max(10_000).nullable().optional(),
  /** ISO date-time in the future, or a number of days from now. */
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  expiresInDays: z.number().positive().max(3650).optional(),
  /** Client addresses / CIDRs the key may be used from; unset or null = anywhere. */
  allowedIps: allowedIpsSchema.nullable().optional(),
  /** Deterministic requests of the key use the gateway's response cache; unset = off. */
  cache: z.boolean().optional(),
});

export const OPERATION_INPUTS = {
  'state.get': none,
  'health.refresh': none,
  'gateway.start': none,
  'gateway.stop': none,
  'models.list': none,
  'models.catalog': none,
  'models.pulls': none,
  'models.pull': z.strictObject({ name: z.string().trim().min(1, 'model name is required').max(500) }),
  'models.cancelPull': z.strictObject({ name: modelName }),
  'models.delete': z.strictObject({ name: modelName }),
  'keys.list': none,
  'keys.create': createKeyInput,
  'keys.revoke': z.strictObject({ id: keyId }),
  'keys.rotate': z.strictObject({
    id: keyId,
    graceHours: z
      .number()
      .nonnegative()
      .max(24 * 365)
      .optional(),
  }),
  /** Replaces a live key's client-address allow-list (null = usable from anywhere). */
  'keys.setAllowedIps': z.strictObject({ id: keyId, allowedIps: allowedIpsSchema.nullable() }),
  /** The plaintext of a key this app created (for the clipboard). */
  'keys.reveal': z.strictObject({ id: keyId }),
  'settings.get': none,
  'settings.update': settingsPatchSchema,
  'readiness.run': z
    .strictObject({
      only: z.array(z.string().min(1).max(50)).max(50).optional(),
      skip: z.array(z.string().min(1).max(50)).max(50).optional(),
      model: modelName.optional(),
      failover: z.boolean().optional(),
    })
    .optional(),
  /** Past runs (newest last, trimmed) and what changed since the last green run. */
  'readiness.history': none,
  /** The suite's checks (id, number, title) so a UI can run one. */
  'readiness.checks': none,
  /** Usage from the admin API over a range, split into `buckets` for charts. */
  'usage.get': z.strictObject({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }).optional(),
    buckets: z.number().int().min(1).max(96).optional(),
    keyId: keyId.optional(),
    model: modelName.optional(),
  }),
  /** The Ollama hosts the gateway routes to: health, loaded models, load. */
  'upstreams.get': none,
  /** The last lines of one service's log (the embedded gateway's log file, or a stack container's). */
  'logs.tail': z.strictObject({
    service: z.string().trim().min(1, 'service is required').max(100),
    lines: z.number().int().min(1).max(5000).optional(),
  }),
  /** The doctor's checks of this machine (Docker, Ollama from here and from the stack, ports, files, database). */
  'doctor.run': none,
  /** The last successful backup and the daily schedule (README "Backups"). */
  'backup.status': none,
  /** A backup of the running mode's database now, into the backups folder (pruned to the setting's `keep`). */
  'backup.run': none,
} as const;

export type OperationName = keyof typeof OPERATION_INPUTS;
export type OperationInput<K extends OperationName> = z.input<(typeof OPERATION_INPUTS)[K]>;
export type ParsedInput<K extends OperationName> = z.output<(typeof OPERATION_INPUTS)[K]>;

export const OPERATION_NAMES = Object.keys(OPERATION_INPUTS) as OperationName[];

export function isOperationName(value: unknown): value is OperationName {
  return typeof value === 'string' && Object.hasOwn(OPERATION_INPUTS, value);
}

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
  'keys.setAllowedIps': KeyView;
  'keys.reveal': { id: string; name: string; key: string };
  'settings.get': Settings;
  'settings.update': Settings;
  'readiness.run': RunReport;
  'readiness.history': ReadinessHistoryView;
  'readiness.checks': Array<{ id: string; number: number; title: string; optIn: boolean }>;
  'usage.get': UsageReport;
  'upstreams.get': HostsReport;
  'logs.tail': LogTail;
  'doctor.run': DoctorReport;
  'backup.status': BackupStatusView;
  'backup.run': BackupRecordView;
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
