// The data folder and its secrets: LLMGW_HOME is a folder only its owner can enter (0700) and write, and the files
// holding secrets (stack.env: database and Redis passwords, admin token; vault.json: API keys) are 0600. Nothing is
// changed here: the doctor reports, the fix says the command.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { ENV_FILE_NAME } from '../../stack/env-file.js';
import { VAULT_FILE } from '../keys/vault.js';
import { fail, pass, type DoctorCheck } from './check.js';

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');

export function checkDataFolder(home: string, platform: NodeJS.Platform): DoctorCheck {
  const id = 'files.home';
  const title = 'Data folder';
  let mode: number;
  try {
    const stat = statSync(home);
    if (!stat.isDirectory())
      return fail(id, title, `${home} is not a folder`, `Remove it or point LLMGW_HOME at a folder.`);
    mode = stat.mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return pass(id, title, `${home} does not exist yet (created with mode 0700 on first use)`);
    return fail(id, title, `${home}: ${(err as Error).message}`, 'Point LLMGW_HOME at a folder you own.');
  }
  try {
    accessSync(home, constants.W_OK);
  } catch {
    return fail(id, title, `${home} is not writable by you`, `Fix its owner: \`sudo chown -R "$USER" '${home}'\`.`);
  }
  if (platform !== 'win32' && (mode & 0o077) !== 0)
    return fail(
      id,
      title,
      `${home} has mode ${octal(mode)}: other users can look inside`,
      `Run \`chmod 700 '${home}'\`.`,
    );
  return pass(id, title, `${home} (mode ${platform === 'win32' ? 'per-user ACL' : octal(mode)})`);
}

export function checkSecrets(home: string, platform: NodeJS.Platform): DoctorCheck {
  const id = 'files.secrets';
  const title = 'Secret files';
  const files = [ENV_FILE_NAME, VAULT_FILE].map((name) => path.join(home, name));
  const present: string[] = [];
  const open: string[] = [];
  for (const file of files) {
    let mode: number;
    try {
      mode = statSync(file).mode;
    } catch {
      continue; // not created yet: nothing to protect
    }
    present.push(path.basename(file));
    if (platform !== 'win32' && (mode & 0o077) !== 0) open.push(`${file} (mode ${octal(mode)})`);
  }
  if (open.length > 0)
    return fail(
      id,
      title,
      `readable by other users: ${open.join(', ')}`,
      `Run \`chmod 600 ${open.map((o) => `'${o.replace(/ \(mode \d+\)$/, '')}'`).join(' ')}\`.`,
    );
  if (present.length === 0) return pass(id, title, 'none yet (stack.env and vault.json are made 0600 on first use)');
  return pass(id, title, `${present.join(', ')}: mode 0600`);
}
