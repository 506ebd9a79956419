// The Electron entry: single instance, hardened session, safeStorage vault, the control plane, tray, dashboard
// window and the validated IPC bridge. Every behaviour lives in main/control; this file only wires it to Electron.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, safeStorage } from 'electron';
import { createControlPlane, type ControlPlane } from '../control/api.js';
import { autostartCommand, syncLinuxAutostart } from '../control/autostart/linux-autostart.js';
import { llmgwHome } from '../stack/paths.js';
import { packagedComposeFile } from '../stack/stack-files.js';
import { actionHandler } from './actions.js';
import { registerIpc } from './ipc.js';
import { askStopStack } from './quit.js';
import { createSafeStorageVault } from './safe-storage-vault.js';
import { hardenSession } from './security.js';
import { TrayController } from './tray.js';
import { DashboardWindow } from './window.js';

const here = path.dirname(fileURLToPath(import.meta.url));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let dashboard: DashboardWindow | undefined;
  app.on('second-instance', () => dashboard?.show());
  // The app lives in the tray: closing the last window must not quit it.
  app.on('window-all-closed', () => undefined);
  void app.whenReady().then(async () => {
    hardenSession();
    const home = llmgwHome(process.env);
    mkdirSync(path.join(home, 'logs'), { recursive: true, mode: 0o700 });
    const vault = createSafeStorageVault(home, safeStorage);
    // A packaged app runs compose from a copy of its resources' `stack/` in LLMGW_HOME, not from a checkout: the
    // compose file's bind mounts must be readable by Docker (see stack-files.ts); on failure, from the resources.
    const env = app.isPackaged
      ? {
          ...process.env,
          LLMGW_COMPOSE_FILE: packagedComposeFile(process.env, { resourcesPath: process.resourcesPath, home }),
        }
      : process.env;
    const plane = createControlPlane({ home, vault, env });
    dashboard = new DashboardWindow({ appRoot: app.getAppPath(), home, preload: path.join(here, 'preload.cjs') });
    const window = dashboard;
    registerIpc(plane, { window: () => window.window, dashboardUrl: () => window.url });
    const iconDir = app.isPackaged
      ? path.join(process.resourcesPath, 'tray')
      : path.join(app.getAppPath(), 'build', 'tray');
    const tray = new TrayController(iconDir, actionHandler(plane, window));
    let scheduled = false;
    const rebuild = () => {
      // Many events arrive in bursts (pull progress): rebuild once per tick.
      if (scheduled) return;
      scheduled = true;
      setTimeout(() => {
        scheduled = false;
        tray.update(plane.state());
      }, 100);
    };
    plane.events.on((event) => {
      rebuild();
      if (event.type === 'settings-changed') syncLoginItem(plane);
    });
    await plane.init();
    syncLoginItem(plane);
    tray.update(plane.state());
    setupQuit(plane, window);
  });
}

function syncLoginItem(plane: ControlPlane): void {
  // Opt-in only (off by default). setLoginItemSettings is macOS/Windows only; Linux gets an XDG autostart entry.
  const enabled = plane.state().settings.startAtLogin;
  if (process.platform !== 'linux') {
    app.setLoginItemSettings({ openAtLogin: enabled });
    return;
  }
  try {
    const command = autostartCommand({
      env: process.env,
      execPath: process.execPath,
      appPath: app.isPackaged ? undefined : app.getAppPath(),
    });
    syncLinuxAutostart({ enabled, command });
  } catch (err) {
    // A read-only or odd ~/.config must not take the tray down; the setting simply has no effect.
    console.warn(`start at login: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function setupQuit(plane: ControlPlane, dashboard: DashboardWindow): void {
  let done = false;
  app.on('before-quit', (event) => {
    if (done) return;
    event.preventDefault();
    void (async () => {
      let stopStack: boolean;
      try {
        stopStack = await askStopStack(plane);
      } catch {
        return; // the user cancelled the quit
      }
      dashboard.allowClose();
      await plane.close({ stopStack }).catch(() => undefined);
      done = true;
      app.quit();
    })();
  });
}
