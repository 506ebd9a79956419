// The readiness suite's vocabulary: checks, their results, the run context, the stack probe seam and run events.
// Plain types only, so the UI (renderer via IPC/HTTP) can share them without pulling in Node modules.
export type { CheckStatus, CheckResult, RunReport, ReadinessEvent } from '../../common/protocol/views.js';

/** One container of the compose stack, as the stack controller sees it. */
export interface StackContainer {
  /** Container name, e.g. `llm-gateway-api-gateway-2`. */
  name: string;
  /** Compose service, e.g. `api-gateway`, `nginx`, `postgres`, `redis`. */
  service: string;
  /** Engine state: `running`, `exited`, `restarting`, ... */
  state: string;
  /** Healthcheck status: `healthy`, `unhealthy`, `starting`, or null when the container has no healthcheck. */
  health: string | null;
}

/**
 * What the readiness suite needs from the Docker stack (check 1 and the failover check 18).
 * Implemented by the stack controller (main/stack); tests can pass a fake.
 */
export interface StackProbe {
  containers(): Promise<StackContainer[]>;
  /** Stops one replica container (by name) and resolves once it is stopped. */
  stopReplica(name: string): Promise<void>;
  /** Starts it again and resolves once it is running (health is awaited by the suite). */
  startReplica(name: string): Promise<void>;
  /**
   * Whether the stack's replicas can reach Ollama and, if not, why (address tried, where Ollama listens) and the
   * fix; used to explain a failing model list. Optional: fakes may leave it out.
   */
  ollamaReach?(): Promise<StackOllamaReach | null>;
}

/** The stack's Ollama reach diagnosis as the suite reads it (main/control/health/ollama-reach.ts produces it). */
export type StackOllamaReach =
  | { ok: true | null; summary: string; tried: string }
  | { ok: false; code: string; message: string; hint: string; tried: string; listens: string };

/** Options of a run (all optional except the gateway URL). */
export interface ReadinessOptions {
  /** Gateway (or Nginx) base URL, e.g. http://127.0.0.1:3000. */
  url: string;
  /** Existing API key to use instead of a temporary one. */
  key?: string;
  /** Admin token: temporary keys are created and revoked through the admin API with it. */
  adminToken?: string;
  /** Model of the chat/streaming/rate-limit checks; default: the smallest installed chat model. */
  model?: string;
  /** Check ids (or numbers) to run; default all. */
  only?: string[];
  /** Check ids (or numbers) not to run. */
  skip?: string[];
  /** Opt-in disruptive failover check (also runs when named in `only`). */
  failover?: boolean;
  /** PostgreSQL URL for check 7 (skipped when absent). */
  databaseUrl?: string;
  /** PostgreSQL schema holding the gateway's tables (default `public`). */
  databaseSchema?: string;
  /** Redis URL with password for check 8 (skipped when absent). */
  redisUrl?: string;
  /** The Docker stack; absent in embedded mode. */
  stack?: StackProbe;
  /** Replicas the load balancer must reach; default: api-gateway containers of the stack, else unknown. */
  expectedReplicas?: number;
  /** Origin sent by the CORS checks (default http://localhost:5173). */
  origin?: string;
  /** The gateway's MAX_BODY_BYTES (default 1 MiB); the size check sends a little more. */
  maxBodyBytes?: number;
  /** Default per-check timeout in ms (checks may ask for longer). */
  timeoutMs?: number;
}

/** A check's view of the run: resolved lazily, shared by all checks of one run. */
export interface CheckContext {
  readonly options: ReadinessOptions;
  /** Base URL without trailing slash. */
  readonly url: string;
  /** Aborted when the check times out. */
  readonly signal: AbortSignal;
  /** The key to call /v1 with (a temporary one is created on first use). */
  key(): Promise<string>;
  /** The model to chat with (option, else the smallest installed chat model). */
  model(): Promise<string>;
  /** Creates an extra temporary key (revoked at the end of the run at the latest). */
  tempKey(body: Record<string, unknown>): Promise<{ id: string; key: string }>;
  /** Revokes a temporary key now. */
  revokeKey(id: string): Promise<void>;
  /** Whether the admin API can be used (an admin token was given). */
  readonly canAdmin: boolean;
}

export interface CheckDefinition {
  id: string;
  number: number;
  title: string;
  /** Disruptive checks run only when asked for. */
  optIn?: boolean;
  /** Default timeout of this check (ms). */
  timeoutMs?: number;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

/** What a check's run() returns; the runner adds id, title and duration. */
export type CheckOutcome =
  | { status: 'pass'; summary: string; details?: Record<string, unknown> }
  | { status: 'fail'; summary: string; fix: string; details?: Record<string, unknown>; code?: string }
  | { status: 'skip'; reason: string; details?: Record<string, unknown> };
