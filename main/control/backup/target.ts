// Which database a backup or restore works on: the stack's PostgreSQL (its running postgres container, found by
// the stack controller's labels) or embedded mode's SQLite. `auto` is the stack when its postgres container runs,
// else embedded mode when its database exists — the same preference as the app's auto mode.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { StackController } from '../../stack/controller.js';
import { EMBEDDED_DB } from '../embedded/embedded.js';
import { toControlError } from '../errors.js';
import type { BackupMode, BackupTarget } from './backups.js';
import { stackPgExec } from './pg-backup.js';

export interface ResolvedTarget {
  target: BackupTarget;
  /** The stack's controller when the target is the stack (to restart its gateways after a restore). */
  controller?: StackController;
}

async function stackTarget(home: string, env: NodeJS.ProcessEnv, project?: string): Promise<ResolvedTarget> {
  const controller = new StackController({ env, home, ...(project ? { project } : {}) });
  try {
    const pg = stackPgExec(await controller.docker(), await controller.containers());
    return { target: { mode: 'stack', pg }, controller };
  } catch (err) {
    throw toControlError(err);
  }
}

export async function resolveTarget(
  home: string,
  env: NodeJS.ProcessEnv,
  mode: BackupMode | 'auto',
  /** The compose project (default llm-gateway; the backup e2e runs its own). */
  project?: string,
): Promise<ResolvedTarget> {
  if (mode === 'embedded') return { target: { mode: 'embedded', home } };
  if (mode === 'stack') return stackTarget(home, env, project);
  try {
    return await stackTarget(home, env, project);
  } catch (err) {
    if (existsSync(path.join(home, EMBEDDED_DB))) return { target: { mode: 'embedded', home } };
    throw err;
  }
}
