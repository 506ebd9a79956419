// The app's vault: the same file vault, its whole file encrypted with Electron safeStorage (OS keychain: Keychain,
// DPAPI, libsecret/kwallet). It receives safeStorage's functions instead of importing electron, so it is tested
// under Node; on Linux with the `basic_text` backend it warns that the OS keychain is not protecting the secrets.
import path from 'node:path';
import { FileVault, type VaultCodec } from '../control/keys/vault.js';
import { ControlError } from '../control/errors.js';

/** The slice of Electron's `safeStorage` the vault uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

export const SAFE_VAULT_FILE = 'vault.enc';

export const BASIC_TEXT_WARNING =
  'No OS keychain is available (Electron safeStorage uses its "basic_text" backend): secrets in the vault are only ' +
  'obfuscated, not encrypted. Install and unlock a keyring (GNOME Keyring / KWallet) for real protection.';

export function safeStorageWarnings(storage: SafeStorageLike, platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'linux' && storage.getSelectedStorageBackend?.() === 'basic_text') return [BASIC_TEXT_WARNING];
  return [];
}

export function createSafeStorageVault(
  home: string,
  storage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform,
): FileVault {
  const codec: VaultCodec = {
    encode: (json) => {
      if (!storage.isEncryptionAvailable()) {
        throw new ControlError('vault_error', 'The OS keychain is not available yet; secrets were not saved.');
      }
      return storage.encryptString(json);
    },
    decode: (bytes) => storage.decryptString(bytes),
  };
  const vault = new FileVault(path.join(home, SAFE_VAULT_FILE), codec, 'safe-storage');
  vault.warnings.push(...safeStorageWarnings(storage, platform));
  return vault;
}
