// Backups as control-plane operations: the status the dashboard shows (last success, schedule, last failure) and
// "back up now". The daily schedule itself runs in the control plane's process (BackupScheduler, started in init).
import { BackupScheduler } from '../backup/scheduler.js';
import { resolveTarget } from '../backup/target.js';
import type { Operations, PlaneContext } from './context.js';

export function backupScheduler(ctx: PlaneContext, env: NodeJS.ProcessEnv): BackupScheduler {
  return new BackupScheduler({
    home: ctx.paths.home,
    settings: () => ctx.settings().backup,
    runningMode: () => (ctx.runtime.running() ? ctx.runtime.mode : null),
    target: async (mode) => (await resolveTarget(ctx.paths.home, env, mode)).target,
    onFailure: (error) => ctx.warn(`The daily backup failed: ${error.message} ${error.hint}`),
  });
}

export function backupOperations(
  ctx: PlaneContext,
  scheduler: BackupScheduler,
): Operations<'backup.status' | 'backup.run'> {
  return {
    'backup.status': async () => scheduler.view(),
    'backup.run': async () => scheduler.backup(ctx.runtime.mode),
  };
}
