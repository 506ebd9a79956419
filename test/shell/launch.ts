// Helpers for the shell tests: a temp LLMGW_HOME with settings, a launch of the REAL main/electron-main/main.ts
// against the Electron double, and the control plane that launch created. The test files mock two modules:
//   vi.mock('electron', () => current().module())            — the double
//   vi.mock('../../main/control/api.js', controlPlaneSpy)    — the real createControlPlane, with test options added
// The second exists only because main.ts passes no embedded port: the real plane would bind 3000 (the stack's port);
// the spy adds port 0 (and whatever a test sets in planeOverrides) and records the plane so tests can look inside.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, vi } from 'vitest';
import type * as Api from '../../main/control/api.js';
import type { ElectronDouble } from './electron-double.js';

const HOLDER = Symbol.for('llmgw.test.shell.planes');
interface PlaneRecord {
  planes: { options: Api.ControlPlaneOptions; plane: Api.ControlPlane; initialised: Promise<void> }[];
  overrides: Partial<Api.ControlPlaneOptions>;
}
export const planes = ((globalThis as Record<symbol, unknown>)[HOLDER] ??= {
  planes: [],
  overrides: {},
}) as PlaneRecord;

/** The vi.mock factory for main/control/api.js: the real module, createControlPlane wrapped to record and add options. */
export async function controlPlaneSpy(importOriginal: () => Promise<typeof Api>): Promise<typeof Api> {
  const real = await importOriginal();
  return {
    ...real,
    createControlPlane: (options: Api.ControlPlaneOptions = {}) => {
      const full = { ...options, embeddedPort: 0, logLevel: 'silent', ...planes.overrides };
      const plane = real.createControlPlane(full);
      // Recorded, not changed: the shell's start-up ends once its `await plane.init()` has settled.
      const init = plane.init.bind(plane);
      let settled!: () => void;
      const initialised = new Promise<void>((resolve) => (settled = resolve));
      plane.init = () => init().finally(() => setImmediate(settled));
      planes.planes.push({ options: full, plane, initialised });
      return plane;
    },
  };
}

export function lastPlane(): Api.ControlPlane {
  const record = planes.planes.at(-1);
  if (!record) throw new Error('main.ts created no control plane');
  return record.plane;
}

/** A temp LLMGW_HOME (and XDG config dir) with a settings.json; sets the env main.ts reads. */
export function tempHome(settings: Record<string, unknown>): { home: string; config: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'llmgw-shell-'));
  const home = path.join(root, 'home');
  const config = path.join(root, 'config');
  mkdirSync(home, { recursive: true });
  mkdirSync(config, { recursive: true });
  writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ version: 2, ...settings }));
  process.env.LLMGW_HOME = home;
  process.env.XDG_CONFIG_HOME = config;
  return { home, config };
}

/** Imports a fresh main.ts (as a new process would run it) and lets Electron become ready. */
export async function launch(double: ElectronDouble): Promise<void> {
  vi.resetModules();
  double.app.fireReady();
  await import('../../main/electron-main/main.js');
}

/** Waits until the launch finished its start-up: plane.init() settled and the tray has a menu built from its state. */
export async function started(double: ElectronDouble): Promise<void> {
  await vi.waitFor(() => expect(planes.planes.length).toBeGreaterThan(0), { timeout: 15_000 });
  await planes.planes.at(-1)!.initialised;
  await vi.waitFor(() => expect(double.tray.menu).not.toBeNull(), { timeout: 15_000 });
}

/** Polls until `check` passes: for what follows control-plane events (the tray rebuilds once per tick). */
export async function eventually(check: () => void, timeout = 15_000): Promise<void> {
  await vi.waitFor(check, { timeout, interval: 20 });
}
