// Secrets from files (NAME_FILE): what Swarm secrets and mounted Kubernetes Secrets hand the gateway.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-config-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secret(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

describe('NAME_FILE secrets', () => {
  it('reads DATABASE_URL, REDIS_URL and ADMIN_TOKEN from files, dropping one trailing newline', () => {
    const config = loadConfig({
      DATABASE_URL_FILE: secret('db', 'postgres://u:p@postgres:5432/d\n'),
      REDIS_URL_FILE: secret('redis', 'redis://:pw@redis:6379'),
      ADMIN_TOKEN_FILE: secret('admin', 'a'.repeat(32) + '\n'),
    });
    expect(config.DATABASE_URL).toBe('postgres://u:p@postgres:5432/d');
    expect(config.REDIS_URL).toBe('redis://:pw@redis:6379');
    expect(config.ADMIN_TOKEN).toBe('a'.repeat(32));
  });

  it('lets the variable itself win over its file', () => {
    const config = loadConfig({ ADMIN_TOKEN: 'b'.repeat(20), ADMIN_TOKEN_FILE: secret('admin2', 'c'.repeat(20)) });
    expect(config.ADMIN_TOKEN).toBe('b'.repeat(20));
  });

  it('validates a value from a file like any other (a short token is refused)', () => {
    expect(() => loadConfig({ ADMIN_TOKEN_FILE: secret('short', 'short') })).toThrow(
      /ADMIN_TOKEN: must be at least 16/,
    );
  });

  it('names the variable and the file when the file cannot be read', () => {
    const missing = path.join(dir, 'missing');
    let error: unknown;
    try {
      loadConfig({ REDIS_URL_FILE: missing });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([`REDIS_URL_FILE: cannot read ${missing}: ENOENT`]);
  });
});
