// `llm-gateway backup [--to FILE] [--mode M]` and `llm-gateway restore FILE [--mode M]`: a checksummed backup of
// the stack's PostgreSQL (pg_dump inside its container) or of embedded mode's SQLite, and its restore. The mode is
// --mode, else the settings' mode; `auto` means the stack when its postgres runs, else embedded (and for a restore,
// the file's own kind). A restore verifies the whole file first; after a stack restore the gateways are restarted
// so none serves keys from its cache that the restored database no longer has (or lacks ones it has).
import path from 'node:path';
import { createBackup, loadBackup, modeOfKind, restoreBackup, type BackupMode } from '../control/backup/backups.js';
import { resolveTarget } from '../control/backup/target.js';
import { ControlError } from '../control/errors.js';
import { loadSettings, SETTINGS_FILE } from '../control/settings/store.js';
import type { StackController } from '../stack/controller.js';
import { llmgwHome } from '../stack/paths.js';
import { formatBytes } from './output.js';

export interface BackupCommandOptions {
  to?: string;
  mode?: BackupMode;
  json?: boolean;
  env?: NodeJS.ProcessEnv;
  out?: (text: string) => void;
  /** The compose project (not an option of the command: the product's stack is llm-gateway; the e2e has its own). */
  project?: string;
}

function context(options: BackupCommandOptions) {
  const env = options.env ?? process.env;
  const home = llmgwHome(env);
  const out = options.out ?? ((text: string) => process.stdout.write(`${text}\n`));
  const { settings } = loadSettings(path.join(home, SETTINGS_FILE));
  return { env, home, out, setting: options.mode ?? settings.mode };
}

export async function runBackup(options: BackupCommandOptions): Promise<void> {
  const { env, home, out, setting } = context(options);
  const { target } = await resolveTarget(home, env, setting, options.project);
  const record = await createBackup(target, { home, ...(options.to ? { to: options.to } : {}) });
  if (options.json) return out(JSON.stringify(record));
  out(`Backed up the ${record.mode === 'stack' ? "stack's PostgreSQL" : 'embedded database'} to ${record.file}`);
  out(`(${formatBytes(record.bytes)}; restore it with \`llm-gateway restore '${record.file}'\`)`);
}

export async function runRestore(file: string, options: BackupCommandOptions): Promise<void> {
  const { env, home, out, setting } = context(options);
  // The whole file is read and verified before any database is looked at.
  const backup = await loadBackup(file);
  const fileMode = modeOfKind(backup.manifest.kind);
  const mode = setting === 'auto' ? fileMode : setting;
  if (mode !== fileMode)
    throw new ControlError(
      'backup_wrong_kind',
      `${path.resolve(file)} is a ${fileMode === 'stack' ? 'PostgreSQL (stack)' : 'SQLite (embedded mode)'} backup, ` +
        `but the restore is for ${mode === 'stack' ? 'the stack' : 'embedded mode'}` +
        `${options.mode ? ' (--mode)' : ' (the settings’ mode)'}.`,
      { file: path.resolve(file), kind: backup.manifest.kind, mode },
    );
  const { target, controller } = await resolveTarget(home, env, mode, options.project);
  const result = await restoreBackup(target, file, backup);
  const after = await afterStackRestore(controller);
  if (options.json)
    return out(JSON.stringify({ file: path.resolve(file), ...result, gatewaysRestarted: after === 'restarted' }));
  out(
    `Restored ${path.resolve(file)} (made ${result.createdAt}) into ${mode === 'stack' ? 'the stack' : 'embedded mode'}.`,
  );
  const project = controller?.project ?? 'llm-gateway';
  out(
    {
      restarted: 'The gateways were restarted and serve the restored keys.',
      swarm: `On Swarm, roll the gateways so they drop cached keys: \`docker service update --force ${project}_api-gateway\`.`,
      stopped: 'No gateway of the stack runs; they serve the restored keys when it starts (`llm-gateway start`).',
      embedded: 'Embedded mode serves the restored keys when it starts (the tray, or `llm-gateway serve --start`).',
    }[after],
  );
}

/**
 * Running replicas cache keys (and trust their known-key set), so they are restarted one after the other; on Swarm
 * the command says how to roll them, and a stack without running gateways has nothing to restart.
 */
async function afterStackRestore(
  controller: StackController | undefined,
): Promise<'restarted' | 'swarm' | 'stopped' | 'embedded'> {
  if (!controller) return 'embedded';
  if (await controller.isSwarm()) return 'swarm';
  const gateways = (await controller.containers()).filter((c) => c.service === 'api-gateway' && c.state === 'running');
  if (gateways.length === 0) return 'stopped';
  await controller.restart('api-gateway');
  return 'restarted';
}
