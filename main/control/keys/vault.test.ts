// File vault: round trip, 0600 file in a 0700 folder, atomic writes, serialised concurrent writes, and an
// unreadable vault refused rather than overwritten.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileVault } from './vault.js';

const dirs: string[] = [];
function tempFile() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-vault-'));
  dirs.push(dir);
  return path.join(dir, 'nested', 'vault.json');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('FileVault', () => {
  it('round-trips secrets across instances and lists names without values', async () => {
    const file = tempFile();
    const a = new FileVault(file);
    await a.set('key:key_1', 'llmgw_secret1', 'my-app');
    await a.set('admin-token:embedded', 'tok');
    const b = new FileVault(file);
    expect(await b.get('key:key_1')).toBe('llmgw_secret1');
    expect(await b.list('key:')).toEqual([{ name: 'key:key_1', label: 'my-app', createdAt: expect.any(String) }]);
    expect(JSON.stringify(await b.list())).not.toContain('llmgw_secret1');
    expect(await b.delete('key:key_1')).toBe(true);
    expect(await b.delete('key:key_1')).toBe(false);
    expect(await new FileVault(file).get('key:key_1')).toBeUndefined();
  });

  it('writes a 0600 file in a 0700 folder (POSIX modes; Windows has none), leaving no temp files', async () => {
    const file = tempFile();
    const old = process.umask(0o022);
    try {
      await new FileVault(file).set('x', 'y');
    } finally {
      process.umask(old);
    }
    expect(readdirSync(path.dirname(file))).toEqual(['vault.json']);
    if (process.platform !== 'win32') {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    }
  });

  it('keeps every one of many concurrent writes', async () => {
    const file = tempFile();
    const v = new FileVault(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => v.set(`key:${i}`, `v${i}`)));
    expect((await new FileVault(file).list()).length).toBe(20);
  });

  it('refuses an unreadable vault with vault_error and does not overwrite it', async () => {
    const file = tempFile();
    await new FileVault(file).set('a', 'b');
    writeFileSync(file, '{not json');
    const v = new FileVault(file);
    await expect(v.get('a')).rejects.toMatchObject({ code: 'vault_error' });
    await expect(v.set('c', 'd')).rejects.toMatchObject({ code: 'vault_error' });
    expect(readFileSync(file, 'utf8')).toBe('{not json');
  });

  it('encodes the whole file through a codec (the safeStorage vault uses this)', async () => {
    const file = tempFile();
    const codec = {
      encode: (json: string) => Buffer.from(Buffer.from(json, 'utf8').map((b) => b ^ 0x5a)),
      decode: (bytes: Buffer) => Buffer.from(bytes.map((b) => b ^ 0x5a)).toString('utf8'),
    };
    await new FileVault(file, codec, 'safe-storage').set('k', 'llmgw_plain');
    expect(readFileSync(file).toString('utf8')).not.toContain('llmgw_plain');
    expect(await new FileVault(file, codec).get('k')).toBe('llmgw_plain');
  });
});
