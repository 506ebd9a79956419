// Quit: when a stack is running, ask whether to stop it too, with "remember my answer" stored in the settings.
import { dialog } from 'electron';
import type { ControlPlane } from '../control/api.js';

/** Returns whether to stop the stack on this quit. */
export async function askStopStack(plane: ControlPlane): Promise<boolean> {
  const state = plane.state();
  if (state.mode !== 'stack' || state.health.status === 'stopped') return false;
  if (state.settings.stopStackOnQuit !== null) return state.settings.stopStackOnQuit;
  const { response, checkboxChecked } = await dialog.showMessageBox({
    type: 'question',
    buttons: ['Stop the stack', 'Keep it running', 'Cancel'],
    defaultId: 1,
    cancelId: 2,
    message: 'Quit LLM Gateway',
    detail: 'The stack keeps serving http://localhost:3000 when the app is closed. Stop it too?',
    checkboxLabel: 'Remember my answer',
  });
  if (response === 2) throw new Error('cancelled');
  const stop = response === 0;
  if (checkboxChecked) await plane.api['settings.update']({ stopStackOnQuit: stop }).catch(() => undefined);
  return stop;
}
