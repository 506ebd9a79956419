// What the operation modules (ops/*.ts) get from the control plane's wiring (api.ts): its parts and the few
// shared pieces of state, behind functions so every module sees the current value.
import type { EventBus } from '../events.js';
import type { KeyService } from '../keys/key-service.js';
import type { OllamaClient } from '../models/ollama-client.js';
import type { PullManager } from '../models/pull-manager.js';
import type { Runtime } from '../runtime.js';
import type { OperationName, ParsedInput } from '../schemas.js';
import type { Settings } from '../settings/schema.js';
import type { StackPort } from '../stack-port.js';
import type { ControlState } from '../state.js';
import type { InstalledModel } from '../models/ollama-client.js';
import type { OperationOutputs } from '../operations.js';

export interface PlanePaths {
  home: string;
  history: string;
  logs: string;
  vault: string;
  settings: string;
}

export interface PlaneContext {
  readonly bus: EventBus;
  readonly runtime: Runtime;
  readonly ollama: OllamaClient;
  readonly stack: StackPort | null;
  readonly pulls: PullManager;
  readonly keys: KeyService;
  readonly paths: PlanePaths;
  settings(): Settings;
  setSettings(next: Settings): void;
  state(): ControlState;
  warn(message: string): void;
  listModels(): Promise<InstalledModel[]>;
  modelsChanged(): Promise<void>;
  keysChanged(): Promise<void>;
}

/** The implementations of some operations: inputs already validated, errors mapped by the caller. */
export type Operations<K extends OperationName> = {
  [P in K]: (input: ParsedInput<P>) => Promise<OperationOutputs[P]>;
};
