// The Electron vault's logic under Node with a fake safeStorage; and the shell's security rules.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BASIC_TEXT_WARNING,
  createSafeStorageVault,
  SAFE_VAULT_FILE,
  type SafeStorageLike,
} from './safe-storage-vault.js';
import { isAllowedExternal, isTrustedSender } from './security-policy.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function home() {
  const d = mkdtempSync(path.join(os.tmpdir(), 'llmgw-safe-'));
  dirs.push(d);
  return d;
}
const fake = (backend = 'gnome_libsecret', available = true): SafeStorageLike => ({
  isEncryptionAvailable: () => available,
  encryptString: (s) => Buffer.from(`enc:${Buffer.from(s).toString('base64')}`),
  decryptString: (b) => Buffer.from(b.toString().slice(4), 'base64').toString(),
  getSelectedStorageBackend: () => backend,
});

describe('safeStorage vault', () => {
  it('stores the file encrypted and reads it back', async () => {
    const h = home();
    await createSafeStorageVault(h, fake()).set('key:1', 'llmgw_topsecret', 'app');
    expect(readFileSync(path.join(h, SAFE_VAULT_FILE), 'utf8')).not.toContain('llmgw_topsecret');
    const again = createSafeStorageVault(h, fake());
    expect(await again.get('key:1')).toBe('llmgw_topsecret');
    expect(again.kind).toBe('safe-storage');
    expect(again.warnings).toEqual([]);
  });

  it('warns on Linux when safeStorage falls back to basic_text', () => {
    expect(createSafeStorageVault(home(), fake('basic_text'), 'linux').warnings).toEqual([BASIC_TEXT_WARNING]);
    expect(createSafeStorageVault(home(), fake('basic_text'), 'darwin').warnings).toEqual([]);
  });

  it('refuses to write when encryption is not available', async () => {
    await expect(createSafeStorageVault(home(), fake('unknown', false)).set('a', 'b')).rejects.toMatchObject({
      code: 'vault_error',
    });
  });
});

describe('security policy', () => {
  it('opens only https URLs of allowlisted hosts', () => {
    expect(isAllowedExternal('https://ollama.com/library/llama3.2')).toBe(true);
    expect(isAllowedExternal('http://ollama.com/')).toBe(false);
    expect(isAllowedExternal('https://ollama.com.evil.example/')).toBe(false);
    expect(isAllowedExternal('https://user:pw@github.com/')).toBe(false);
    expect(isAllowedExternal('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternal('not a url')).toBe(false);
  });

  it('trusts only the dashboard page as IPC sender', () => {
    const dash = 'file:///opt/app/renderer/dist/index.html';
    expect(isTrustedSender('file:///opt/app/renderer/dist/index.html#/keys', dash)).toBe(true);
    expect(isTrustedSender('file:///tmp/evil.html', dash)).toBe(false);
    expect(isTrustedSender('https://example.com/', dash)).toBe(false);
    expect(isTrustedSender(undefined, dash)).toBe(false);
  });
});
