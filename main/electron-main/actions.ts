// What a tray click does: calls the control plane and tells the user the outcome with a notification.
import { clipboard, Notification, shell, app } from 'electron';
import type { ControlPlane } from '../control/api.js';
import { toControlError } from '../control/errors.js';
import type { MenuAction } from '../control/tray-menu.js';
import type { DashboardWindow } from './window.js';
import { copySecret } from './clipboard-clear.js';

function notify(title: string, body: string): void {
  if (Notification.isSupported()) new Notification({ title, body, silent: true }).show();
}

async function attempt(what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const error = toControlError(err);
    notify(`${what} failed`, `${error.message}\n${error.hint}`);
  }
}

export function actionHandler(plane: ControlPlane, dashboard: DashboardWindow): (action: MenuAction) => void {
  return (action) => {
    switch (action.type) {
      case 'start':
        void attempt('Start', async () => void (await plane.api['gateway.start']()));
        return;
      case 'stop':
        void attempt('Stop', async () => void (await plane.api['gateway.stop']()));
        return;
      case 'copy-key':
        void attempt('Copy key', async () => {
          const { key, name } = await plane.api['keys.reveal']({ id: action.id });
          copySecret(clipboard, key);
          notify('API key copied', `The key "${name}" is on the clipboard for a minute.`);
        });
        return;
      case 'new-key':
        dashboard.show('keys/new');
        return;
      case 'pull':
        void attempt(`Pull ${action.name}`, async () => {
          await plane.api['models.pull']({ name: action.name });
          notify('Pull started', `${action.name} is downloading; progress is in the Models menu.`);
        });
        return;
      case 'cancel-pull':
        void attempt('Cancel pull', async () => void (await plane.api['models.cancelPull']({ name: action.name })));
        return;
      case 'run-readiness':
        void attempt('Readiness suite', async () => {
          const report = await plane.api['readiness.run']();
          const { passed, failed, skipped } = report.counts;
          notify(
            report.ok ? 'Ready' : 'Not ready',
            `${passed} passed, ${failed} failed, ${skipped} skipped. Details in the dashboard.`,
          );
        });
        return;
      case 'open-dashboard':
        dashboard.show(action.section);
        return;
      case 'open-logs':
        void shell.openPath(plane.state().paths.logs);
        return;
      case 'quit':
        app.quit();
        return;
    }
  };
}
