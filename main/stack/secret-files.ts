// The stack's secret files ($LLMGW_HOME/secrets/<name>, folder 0700, files 0600): the passwords that compose mounts
// into the postgres and redis containers as /run/secrets/<name>, so they are in no container's Cmd or Env.
// Written from stack.env (the one source of the secrets) before every compose call, so they always match it.
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.js';
import type { StackValues } from './env-file.js';

export const SECRETS_DIR_NAME = 'secrets';

/** Secret file name → the stack.env key it holds (names as compose/docker-compose.yml's `secrets:` expects). */
export const SECRET_FILES = {
  postgres_password: 'POSTGRES_PASSWORD',
  redis_password: 'REDIS_PASSWORD',
} as const satisfies Record<string, keyof StackValues>;

const posix = process.platform !== 'win32';

function current(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Makes `$home/secrets` hold exactly the values of `values` (no trailing newline: the containers read them whole).
 * A file is replaced (written beside, then renamed) only when its content differs; modes are tightened always.
 * Returns the folder, which compose receives as LLMGW_SECRETS_DIR.
 */
export function writeSecretFiles(home: string, values: StackValues): string {
  const dir = path.join(home, SECRETS_DIR_NAME);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (posix && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
    for (const [name, key] of Object.entries(SECRET_FILES)) {
      const value = values[key];
      if (!value) throw new Error(`stack.env has no ${key}`);
      const file = path.join(dir, name);
      if (current(file) !== value) {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, value, { mode: 0o600 });
        renameSync(tmp, file);
      }
      if (posix && (statSync(file).mode & 0o777) !== 0o600) chmodSync(file, 0o600);
    }
    return dir;
  } catch (err) {
    throw new StackError(
      'env_file',
      `The stack's secret files in ${dir} could not be written: ${(err as Error).message}`,
    );
  }
}
