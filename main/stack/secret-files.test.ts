// writeSecretFiles against temp folders: files match stack.env, modes 0700/0600, rewritten when the value changes,
// too-open modes tightened, a missing value is a typed error.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureEnvFile } from './env-file.js';
import { StackError } from './errors.js';
import { writeSecretFiles } from './secret-files.js';

const posix = process.platform !== 'win32';
const dirs: string[] = [];
const tempHome = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-secrets-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('stack secret files', () => {
  it('holds exactly the passwords of stack.env, folder 0700 and files 0600', () => {
    const home = tempHome();
    const { values } = ensureEnvFile(home);
    const dir = writeSecretFiles(home, values);
    expect(dir).toBe(path.join(home, 'secrets'));
    expect(readdirSync(dir).sort()).toEqual(['postgres_password', 'redis_password']);
    expect(readFileSync(path.join(dir, 'postgres_password'), 'utf8')).toBe(values.POSTGRES_PASSWORD);
    expect(readFileSync(path.join(dir, 'redis_password'), 'utf8')).toBe(values.REDIS_PASSWORD);
    if (posix) {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      for (const name of readdirSync(dir)) expect(statSync(path.join(dir, name)).mode & 0o777).toBe(0o600);
    }
  });

  it('follows a changed value and tightens modes loosened by hand', () => {
    const home = tempHome();
    const { values } = ensureEnvFile(home);
    const dir = writeSecretFiles(home, values);
    writeFileSync(path.join(dir, 'redis_password'), 'edited');
    if (posix) {
      chmodSync(path.join(dir, 'postgres_password'), 0o644);
      chmodSync(dir, 0o755);
    }
    writeSecretFiles(home, { ...values, REDIS_PASSWORD: 'b'.repeat(64) });
    expect(readFileSync(path.join(dir, 'redis_password'), 'utf8')).toBe('b'.repeat(64));
    expect(readdirSync(dir).sort()).toEqual(['postgres_password', 'redis_password']);
    if (posix) {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(dir, 'postgres_password')).mode & 0o777).toBe(0o600);
    }
  });

  it('refuses values without a password as a typed error', () => {
    const home = tempHome();
    expect(() => writeSecretFiles(home, { POSTGRES_PASSWORD: 'x' })).toThrow(StackError);
  });
});
