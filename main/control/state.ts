// The control plane's state snapshot: everything the tray menu and the dashboard draw from, in one plain object.
import type { HealthSnapshot } from './health/aggregate.js';
import type { CatalogEntry } from './models/catalog.js';
import type { InstalledModel } from './models/ollama-client.js';
import type { PullState } from './models/pull-progress.js';
import type { VaultKey } from './keys/key-service.js';
import type { Settings } from './settings/schema.js';

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
