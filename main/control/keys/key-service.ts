// Keys as the app offers them: the gateway's admin API does the work; the vault keeps the plaintext of keys made
// here (so "Copy API key" works later), and forgets it on revoke. Rotation stores the successor's plaintext.
import { ControlError } from '../errors.js';
import type { AdminClient, CreatedKey, KeyView } from './admin-client.js';
import { keyEntry, type Vault } from './vault.js';
import type { AppKey, VaultKey } from '../../../common/protocol/views.js';
export type { AppKey, VaultKey } from '../../../common/protocol/views.js';

export interface CreateKeyParams {
  name: string;
  models?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  maxConcurrent?: number | null;
  expiresAt?: string | null;
  expiresInDays?: number;
  allowedIps?: string[] | null;
  cache?: boolean;
}

export class KeyService {
  constructor(
    private readonly vault: Vault,
    private readonly admin: () => Promise<AdminClient>,
    private readonly changed: () => Promise<void>,
    private readonly defaults: () => { rpm: number | null; tpm: number | null },
  ) {}

  async list(): Promise<AppKey[]> {
    const [keys, held] = await Promise.all([(await this.admin()).list(), this.vaultKeys()]);
    const ids = new Set(held.map((k) => k.id));
    return keys.map((k) => ({ ...k, inVault: ids.has(k.id) }));
  }

  /** Keys whose plaintext the vault holds (for the tray's "Copy API key" menu; no secrets). */
  async vaultKeys(): Promise<VaultKey[]> {
    const entries = await this.vault.list('key:');
    return entries.map((e) => ({ id: e.name.slice('key:'.length), name: e.label ?? e.name.slice('key:'.length) }));
  }

  async create(params: CreateKeyParams): Promise<CreatedKey> {
    if (params.expiresAt && params.expiresInDays !== undefined) {
      throw new ControlError('invalid_input', 'Give either expiresAt or expiresInDays, not both.', {
        field: 'expiresAt',
      });
    }
    const expires =
      params.expiresInDays !== undefined
        ? new Date(Date.now() + params.expiresInDays * 86_400_000).toISOString()
        : params.expiresAt;
    if (expires && Date.parse(expires) <= Date.now())
      throw new ControlError('invalid_input', 'expiresAt must be in the future.', { field: 'expiresAt' });
    const defaults = this.defaults();
    const created = await (
      await this.admin()
    ).create({
      name: params.name,
      ...(params.models ? { models: params.models } : {}),
      rpm: params.rpm === undefined ? defaults.rpm : params.rpm,
      tpm: params.tpm === undefined ? defaults.tpm : params.tpm,
      ...(params.maxConcurrent != null ? { max_concurrent: params.maxConcurrent } : {}),
      ...(expires ? { expires_at: expires } : {}),
      ...(params.allowedIps ? { allowed_ips: params.allowedIps } : {}),
      ...(params.cache ? { cache: true } : {}),
    });
    await this.vault.set(keyEntry(created.id), created.key, created.name);
    await this.changed();
    return created;
  }

  async setAllowedIps(id: string, allowedIps: string[] | null): Promise<KeyView> {
    const updated = await (await this.admin()).setAllowedIps(id, allowedIps);
    await this.changed();
    return updated;
  }

  async revoke(id: string): Promise<KeyView> {
    const revoked = await (await this.admin()).revoke(id);
    await this.vault.delete(keyEntry(id));
    await this.changed();
    return revoked;
  }

  async rotate(id: string, graceHours?: number): Promise<CreatedKey & { previous: KeyView }> {
    const rotated = await (await this.admin()).rotate(id, graceHours);
    await this.vault.set(keyEntry(rotated.id), rotated.key, rotated.name);
    // The old key keeps working during the grace period, but copying it now would hand out a dying key.
    await this.vault.delete(keyEntry(id));
    await this.changed();
    return rotated;
  }

  async reveal(id: string): Promise<{ id: string; name: string; key: string }> {
    const key = await this.vault.get(keyEntry(id));
    if (!key) throw new ControlError('key_not_in_vault', `The app does not hold the plaintext of key '${id}'.`, { id });
    const name = (await this.vault.list(keyEntry(id))).find((e) => e.name === keyEntry(id))?.label ?? id;
    return { id, name, key };
  }
}
