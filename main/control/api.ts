// The control plane's one typed operations object and event stream: what the Electron IPC bridge, the headless
// `serve` mode and the CLI call. This file is the wiring (paths, parts, shared state, the validated choke point);
// the operations live in one module per area under ops/. Inputs are validated with zod here; every failure is a
// ControlError value.
import path from 'node:path';
import { llmgwHome } from '../stack/paths.js';
import { StackController } from '../stack/controller.js';
import { runReadiness } from '../readiness/runner.js';
import { defaultHistoryPath } from '../readiness/history.js';
import type { BridgeResult } from './bridge.js';
import { dockerReachable } from './embedded/mode.js';
import { ControlError, toControlError } from './errors.js';
import { EventBus } from './events.js';
import { KeyService } from './keys/key-service.js';
import { FileVault, VAULT_FILE, type Vault } from './keys/vault.js';
import { CATALOG } from './models/catalog.js';
import { OllamaClient, type InstalledModel } from './models/ollama-client.js';
import { PullManager } from './models/pull-manager.js';
import { Runtime } from './runtime.js';
import {
  OPERATION_INPUTS,
  isOperationName,
  type OperationInput,
  type OperationName,
  type ParsedInput,
} from './schemas.js';
import { loadSettings, SETTINGS_FILE } from './settings/store.js';
import { stackPortOf, type StackPort } from './stack-port.js';
import type { ControlState } from './state.js';
import type { OperationOutputs, ReadinessHistoryView, RunSummary } from './operations.js';
import type { Operations, PlaneContext } from './ops/context.js';
import { backupOperations, backupScheduler } from './ops/backup.js';
import { doctorOperations } from './ops/doctor.js';
import { gatewayOperations } from './ops/gateway.js';
import { keyOperations } from './ops/keys.js';
import { modelOperations } from './ops/models.js';
import { observeOperations } from './ops/observe.js';
import { readinessArea } from './ops/readiness.js';
import { settingsOperations } from './ops/settings.js';

export type { OperationOutputs, ReadinessHistoryView, RunSummary };

/** One method per operation; input optional where the schema allows it. */
export type ControlApi = {
  [K in OperationName]: undefined extends OperationInput<K>
    ? (input?: OperationInput<K>) => Promise<OperationOutputs[K]>
    : (input: OperationInput<K>) => Promise<OperationOutputs[K]>;
};

export interface ControlPlaneOptions {
  /** $LLMGW_HOME; default the per-user app-data folder. */
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** Default: a 0600 file vault in home (the Electron shell passes its safeStorage vault). */
  vault?: Vault;
  /** Default: the compose/dockerode controller; null = no stack support (embedded only). */
  stack?: StackPort | null;
  /** Default: discovers a Docker Engine. */
  docker?: () => Promise<boolean>;
  /** Embedded gateway port override (tests: 0). */
  embeddedPort?: number;
  logLevel?: string;
  health?: { intervalMs?: number; fastIntervalMs?: number };
  pullProgressIntervalMs?: number;
  readiness?: typeof runReadiness;
}

export interface ControlPlane {
  readonly api: ControlApi;
  readonly events: EventBus;
  /** The validated choke point for bridges: unknown op or bad input → a ControlError value, never a throw. */
  call(op: string, input: unknown): Promise<BridgeResult<unknown>>;
  /** The current snapshot without touching the network (the tray rebuilds its menu from this). */
  state(): ControlState;
  /** Loads settings, picks the mode, starts watching health; starts the gateway when settings say so. */
  init(): Promise<void>;
  close(options?: { stopStack?: boolean }): Promise<void>;
}

export function parseInput<K extends OperationName>(op: K, input: unknown): ParsedInput<K> {
  const parsed = OPERATION_INPUTS[op].safeParse(input);
  if (parsed.success) return parsed.data as ParsedInput<K>;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join('.');
  throw new ControlError('invalid_input', `${op}: ${field ? `${field}: ` : ''}${issue.message}`, {
    op,
    issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
  });
}

export function createControlPlane(options: ControlPlaneOptions = {}): ControlPlane {
  const env = options.env ?? process.env;
  const home = options.home ?? llmgwHome(env);
  const paths = {
    home,
    history: defaultHistoryPath(home),
    logs: path.join(home, 'logs'),
    vault: path.join(home, VAULT_FILE),
    settings: path.join(home, SETTINGS_FILE),
  };
  const bus = new EventBus();
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    bus.emit({ type: 'warning', message });
  };
  let settings = loadSettings(paths.settings).settings;
  const vault = options.vault ?? new FileVault(paths.vault);
  const ollama = new OllamaClient(settings.ollamaUrl);
  const stack =
    options.stack !== undefined
      ? options.stack
      : stackPortOf(
          new StackController({
            home,
            env: {
              ...env,
              LLMGW_PORT: String(settings.ports.gateway),
              POSTGRES_PORT: String(settings.ports.postgres),
              REDIS_PORT: String(settings.ports.redis),
              // HTTPS and the stack allow-list from the settings (stack.env's own values hold when these are off).
              ...(settings.tls.enabled
                ? {
                    LLMGW_TLS: '1',
                    LLMGW_TLS_PORT: String(settings.tls.port),
                    ...(settings.tls.redirectHttp ? { LLMGW_TLS_REDIRECT: '1' } : {}),
                    ...(settings.tls.certFile ? { LLMGW_TLS_CERT: settings.tls.certFile } : {}),
                    ...(settings.tls.keyFile ? { LLMGW_TLS_KEY: settings.tls.keyFile } : {}),
                  }
                : {}),
              ...(settings.stackAllowedIps ? { LLMGW_ALLOW_IPS: settings.stackAllowedIps.join(',') } : {}),
            },
          }),
        );
  const runtime = new Runtime({
    home,
    vault,
    bus,
    ollama,
    settings: () => settings,
    stack,
    docker: options.docker ?? (() => dockerReachable(env)),
    ...(options.embeddedPort !== undefined ? { embeddedPort: options.embeddedPort } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    logFile: path.join(paths.logs, 'embedded-gateway.log'),
    ...(options.health ? { health: options.health } : {}),
  });
  let installed: InstalledModel[] | null = null;
  let vaultKeys: ControlState['vaultKeys'] = [];

  const refreshGateway = async () => {
    // Best effort: /v1/models changes at once when a gateway is up; otherwise its cache expires on its own.
    if (!runtime.gatewayUrl()) return;
    try {
      await (await runtime.admin()).refreshModels();
    } catch (err) {
      if (runtime.running()) warn(`The gateway's model list was not refreshed: ${toControlError(err).message}`);
    }
  };
  const listModels = async () => {
    installed = await ollama.list();
    return installed;
  };
  const modelsChanged = async () => {
    await Promise.allSettled([refreshGateway(), listModels()]);
    bus.emit({ type: 'models-changed' });
  };
  const pulls = new PullManager(ollama, {
    maxParallel: settings.maxParallelPulls,
    progressIntervalMs: options.pullProgressIntervalMs ?? 250,
    onChange: (pull) => bus.emit({ type: 'pull-progress', pull }),
    onInstalled: () => void modelsChanged(),
  });
  const keys = new KeyService(
    vault,
    () => runtime.admin(),
    () => keysChanged(),
    () => settings.defaultLimits,
  );
  const keysChanged = async () => {
    vaultKeys = await keys.vaultKeys().catch(() => vaultKeys);
    bus.emit({ type: 'keys-changed' });
  };

  const state = (): ControlState => ({
    health: runtime.monitor.current(),
    mode: runtime.mode,
    gatewayUrl: runtime.gatewayUrl(),
    busy: runtime.busy,
    vaultKeys,
    installed,
    pulls: pulls.list(),
    catalog: CATALOG,
    readiness: readiness.summary(),
    settings,
    paths,
    vaultKind: vault.kind,
    warnings: [...vault.warnings, ...warnings],
  });

  const ctx: PlaneContext = {
    bus,
    runtime,
    ollama,
    stack,
    pulls,
    keys,
    paths,
    settings: () => settings,
    setSettings: (next) => {
      settings = next;
    },
    state,
    warn,
    listModels,
    modelsChanged,
    keysChanged,
  };
  const readiness = readinessArea(ctx, options.readiness ?? runReadiness);
  const backups = backupScheduler(ctx, env);
  const impl: Operations<OperationName> = {
    ...gatewayOperations(ctx),
    ...modelOperations(ctx),
    ...keyOperations(ctx),
    ...settingsOperations(ctx),
    ...readiness.operations,
    ...observeOperations(ctx),
    ...doctorOperations(ctx, env),
    ...backupOperations(ctx, backups),
  };

  const api = Object.fromEntries(
    (Object.keys(impl) as OperationName[]).map((op) => [
      op,
      async (input?: unknown) => {
        try {
          return await (impl[op] as (i: unknown) => Promise<unknown>)(parseInput(op, input));
        } catch (err) {
          throw toControlError(err);
        }
      },
    ]),
  ) as unknown as ControlApi;

  return {
    api,
    events: bus,
    state,
    async call(op, input) {
      if (!isOperationName(op)) {
        return {
          ok: false,
          error: new ControlError('unknown_operation', `Unknown operation '${String(op).slice(0, 60)}'.`).toJSON(),
        };
      }
      try {
        return { ok: true, value: await (api[op] as (i: unknown) => Promise<unknown>)(input) };
      } catch (err) {
        return { ok: false, error: toControlError(err).toJSON() };
      }
    },
    async init() {
      const loaded = loadSettings(paths.settings);
      settings = loaded.settings;
      for (const message of loaded.warnings) warn(message);
      ollama.setUrl(settings.ollamaUrl);
      await runtime.choose();
      await Promise.allSettled([keysChanged(), listModels()]);
      await runtime.monitor.start();
      backups.start();
      if (settings.startStackOnLaunch) {
        await runtime
          .start()
          .catch((err: unknown) => warn(`The gateway did not start: ${toControlError(err).message}`));
      }
    },
    async close(closeOptions = {}) {
      pulls.close();
      backups.stop();
      await runtime.shutdown(closeOptions.stopStack ?? false);
    },
  };
}
