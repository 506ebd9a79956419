// The data the control plane hands across a bridge (IPC, HTTP `serve`): plain types only, so the renderer, the
// preload and the CLI share them without loading any of main/'s Node code. main/ re-exports each from where it is made.
import type { ControlErrorCode } from './errors.js';
import type { Settings } from './settings.js';

// --- Health: the one status the tray and the dashboard show (main/control/health/aggregate.ts computes it).

export type OverallStatus = 'stopped' | 'starting' | 'healthy' | 'degraded' | 'down';

export type ServiceStatus = 'healthy' | 'starting' | 'degraded' | 'unhealthy' | 'stopped' | 'unknown';

export interface ContainerView {
  name: string;
  service: string;
  replica: number;
  /** Engine state: running, exited, restarting, created, ... */
  state: string;
  /** healthy | unhealthy | starting | none */
  health: string;
}

export type ReadyProbe = { reachable: false; error: string } | { reachable: true; ok: boolean; failing: string[] };

export type OllamaProbe = { ok: true; version: string } | { ok: false; error: string };

export interface HealthInputs {
  mode: 'stack' | 'embedded' | 'none';
  transition: 'starting' | 'stopping' | null;
  /** Stack containers; null when the Engine could not be asked. */
  containers: ContainerView[] | null;
  ready: ReadyProbe | null;
  ollama: OllamaProbe | null;
  /** Stack mode: whether the replicas' path to Ollama works (forwarder on Linux); supersedes `ollama` there. */
  reach?: OllamaReach | null;
}

export interface ServiceHealth {
  id: string;
  label: string;
  status: ServiceStatus;
  detail: string;
  /** What to do about it (set when the cause is known, e.g. Ollama not reachable from the stack). */
  hint?: string;
  replicas?: { running: number; total: number };
}

export interface HealthSnapshot {
  status: OverallStatus;
  summary: string;
  mode: HealthInputs['mode'];
  transition: HealthInputs['transition'];
  services: ServiceHealth[];
}

// --- The stack's Ollama reach diagnosis (main/control/health/ollama-reach.ts).

export type VersionProbe = { ok: true; version: string } | { ok: false; error: string };

export type OllamaReach =
  | { ok: true; summary: string; tried: string }
  /** OLLAMA_URLS points at addresses the host cannot check for the containers: the gateways' own checks decide. */
  | { ok: null; summary: string; tried: string }
  | { ok: false; code: ControlErrorCode; message: string; hint: string; tried: string; listens: string };

// --- Model pulls (main/control/models/pull-progress.ts).

export type PullPhase = 'queued' | 'pulling' | 'verifying' | 'done' | 'failed' | 'cancelled';

export interface LayerProgress {
  digest: string;
  total: number;
  completed: number;
}

/** What every listener (tray, window, CLI) sees of one pull. */
export interface PullState {
  name: string;
  phase: PullPhase;
  /** Ollama's last status line, e.g. "pulling 6a0746a1ec1a". */
  status: string;
  layers: LayerProgress[];
  completed: number;
  total: number;
  /** 0..100, one decimal. */
  percent: number;
  bytesPerSecond: number;
  /** Seconds left at the current speed; null when unknown. */
  etaSeconds: number | null;
  startedAt: string;
  updatedAt: string;
  error?: string;
}

// --- Installed models as Ollama lists them (main/control/models/ollama-client.ts).

export interface InstalledModel {
  name: string;
  size: number;
  digest: string;
  modifiedAt: string;
  family: string | null;
  parameterSize: string | null;
  quantization: string | null;
  contextLength: number | null;
  capabilities: string[];
  /** Loaded in memory right now (/api/ps). */
  loaded: boolean;
}

// --- The curated catalog (main/control/models/catalog.ts holds the entries).

export interface CatalogEntry {
  name: string;
  title: string;
  description: string;
  /** Download size in bytes (approximate). */
  size: number;
  parameters: string;
  kind: 'chat' | 'embedding';
  /** Small enough for CPU-only machines and tests. */
  small: boolean;
}

// --- The doctor (main/control/doctor): why the product would not work on this machine, one check per cause.

export interface DoctorCheck {
  /** Stable id, e.g. `docker.engine`, `ollama.stack`, `ports.nginx`. */
  id: string;
  title: string;
  ok: boolean;
  /** What was seen (versions, addresses, modes). */
  detail: string;
  /** The one thing to do; empty when ok. */
  fix: string;
}

export interface DoctorReport {
  /** True when every check passed. */
  ok: boolean;
  checkedAt: string;
  checks: DoctorCheck[];
}

// --- Backups (main/control/backup): the last successful one and the daily schedule.

export interface BackupRecordView {
  file: string;
  bytes: number;
  mode: 'stack' | 'embedded';
  created_at: string;
  /** True when the daily schedule made it. */
  scheduled: boolean;
}

export interface BackupStatusView {
  daily: boolean;
  keep: number;
  last: BackupRecordView | null;
  /** When the next scheduled backup is due (null when the schedule is off). */
  nextDueAt: string | null;
  /** The last failed backup attempt since the app started, cleared by a success. */
  lastError: { at: string; message: string; hint: string } | null;
}

// --- API keys as the gateway's admin API shows them (main/control/keys/admin-client.ts).

export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  status: 'active' | 'revoked' | 'expired';
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  /** Requests in flight at once; null = the gateway's default. */
  max_concurrent: number | null;
  /** Client addresses / CIDRs the key may be used from; null = anywhere. */
  allowed_ips: string[] | null;
  /** Response cache opt-in of the key's deterministic requests (absent from gateways before the response cache). */
  cache?: boolean;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  replaced_by: string | null;
}

export interface CreatedKey extends KeyView {
  /** The plaintext, shown once by the gateway. */
  key: string;
}

// --- API keys as the app offers them (main/control/keys/key-service.ts).

export interface AppKey extends KeyView {
  /** This app holds the plaintext (can copy it). */
  inVault: boolean;
}

export interface VaultKey {
  id: string;
  name: string;
}

// --- Usage for the charts (main/control/usage.ts).

/** One key × model row of GET /admin/usage (the gateway's wire shape; admin-client.ts checks they stay equal). */
export interface UsageRow {
  key_id: string;
  model: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  avg_latency_ms: number;
  p50_latency_ms: number;
  p95_latency_ms: number;
}

/** The totals of GET /admin/usage over a range. */
export interface UsageTotals {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  p99_latency_ms: number | null;
}

export interface UsageBucket {
  from: string;
  to: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  /** Request-weighted mean of the rows' average latency (ms); null without requests. */
  avgLatencyMs: number | null;
  /** Latency percentiles over the bucket's requests (ms); null without requests. */
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  byKey: Record<string, { requests: number; tokens: number }>;
  byModel: Record<string, { requests: number; tokens: number }>;
}

export interface UsageReport {
  from: string;
  to: string;
  totals: UsageTotals;
  /** Error rate over the range, 0..1. */
  errorRate: number;
  rows: UsageRow[];
  series: UsageBucket[];
}

// --- Log tails (main/control/logs.ts).

export interface LogTail {
  service: string;
  lines: string[];
  /** Services this mode can show. */
  services: string[];
}

// --- The readiness suite: results, reports, run events (main/readiness).

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  id: string;
  /** The number of the check (1..18). */
  number: number;
  title: string;
  status: CheckStatus;
  durationMs: number;
  /** One line: what was seen (pass) or what went wrong (fail). */
  summary: string;
  /** Why it was skipped (skip only). */
  reason?: string;
  /** Structured details for JSON/UI (latencies, counts, distribution ...). */
  details: Record<string, unknown>;
  /** What to do next (fail only). */
  fix?: string;
  /** Error code from the readiness error table, when a coded error caused the failure. */
  code?: string;
}

export interface RunReport {
  runId: string;
  url: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** True when no selected check failed. */
  ok: boolean;
  counts: { passed: number; failed: number; skipped: number };
  results: CheckResult[];
  /** Problems outside the checks (e.g. a temporary key that could not be revoked). */
  warnings: string[];
  cleanup: { keysCreated: number; keysRevoked: number };
}

export type ReadinessEvent =
  | { type: 'run-start'; runId: string; url: string; checks: Array<{ id: string; number: number; title: string }> }
  | { type: 'check-start'; id: string; number: number; title: string; index: number; total: number }
  | { type: 'check-end'; result: CheckResult; index: number; total: number }
  | { type: 'warning'; message: string }
  | { type: 'run-end'; report: RunReport };

// --- Readiness history (main/readiness/history.ts).

export interface CheckChange {
  id: string;
  title: string;
  /** Status in the last green run (null: the check did not run then). */
  before: CheckStatus | null;
  /** Status now (null: the check did not run now). */
  now: CheckStatus | null;
}

// --- The control plane's state snapshot: what the tray menu and the dashboard draw from.

export interface ReadinessSummary {
  running: boolean;
  last: { ok: boolean; passed: number; failed: number; skipped: number; finishedAt: string } | null;
}

export interface ControlState {
  health: HealthSnapshot;
  /** The mode in use (auto resolved). */
  mode: 'stack' | 'embedded';
  gatewayUrl: string | null;
  busy: 'starting' | 'stopping' | null;
  vaultKeys: VaultKey[];
  /** null until Ollama answered once. */
  installed: InstalledModel[] | null;
  pulls: PullState[];
  catalog: readonly CatalogEntry[];
  readiness: ReadinessSummary;
  settings: Settings;
  paths: { home: string; logs: string; vault: string; settings: string; history: string };
  vaultKind: 'file' | 'safe-storage';
  warnings: string[];
}

// --- Ollama hosts: each host the gateway routes to, its loaded models and its load (main/control/upstreams.ts).

export interface HostModelView {
  name: string;
  /** When Ollama unloads it unless it is used again (ISO). */
  expiresAt: string;
  sizeVram: number | null;
  contextLength: number | null;
  /** Requests on this model in flight from the replica that answered. */
  inFlight: number;
  /** At the host's parallelism hint: the next request goes to another host. */
  saturated: boolean;
}

export interface HostView {
  /** `upstream N`, its position in OLLAMA_URLS. */
  name: string;
  url: string;
  healthy: boolean;
  version: string | null;
  lastError: string | null;
  inFlight: number;
  /** UPSTREAM_NUM_PARALLEL for this host; null = no hint. */
  parallel: number | null;
  /** Answered Ollama's 503 "server busy" a moment ago. */
  busy: boolean;
  loaded: HostModelView[];
}

export interface HostsReport {
  /** The gateway replica that answered (load is per replica: each routes its own requests). */
  instance: string;
  hosts: HostView[];
}
