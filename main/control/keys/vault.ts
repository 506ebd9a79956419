// The vault: plaintexts of keys this app created, the admin token and stack passwords. One interface, two stores:
// a 0600 JSON file in a 0700 folder (CLI/headless; written atomically via temp file + rename) and, in the app,
// an Electron safeStorage-backed store (main/electron-main/safe-storage-vault.ts) over the same file logic.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ControlError } from '../errors.js';

export interface VaultEntry {
  /** e.g. `key:key_abc`, `admin-token`, `stack:POSTGRES_PASSWORD`. */
  name: string;
  value: string;
  /** Display label (the key's name for API keys). */
  label?: string;
  createdAt: string;
}

export interface Vault {
  readonly kind: 'file' | 'safe-storage';
  /** Problems the user should know about (e.g. Linux safeStorage falling back to plaintext). */
  readonly warnings: string[];
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string, label?: string): Promise<void>;
  delete(name: string): Promise<boolean>;
  /** Names and labels only: listing never returns secrets. */
  list(prefix?: string): Promise<Array<Omit<VaultEntry, 'value'>>>;
}

/** How entries are turned into file bytes and back (identity for the file vault, safeStorage in the app). */
export interface VaultCodec {
  encode(json: string): Buffer;
  decode(bytes: Buffer): string;
}

const plainCodec: VaultCodec = {
  encode: (json) => Buffer.from(json, 'utf8'),
  decode: (bytes) => bytes.toString('utf8'),
};

/** File-backed vault; `codec` lets the Electron store encrypt the whole file with safeStorage. */
export class FileVault implements Vault {
  readonly kind: 'file' | 'safe-storage';
  readonly warnings: string[] = [];
  private entries: Map<string, VaultEntry> | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly codec: VaultCodec = plainCodec,
    kind: 'file' | 'safe-storage' = 'file',
  ) {
    this.kind = kind;
  }

  private load(): Map<string, VaultEntry> {
    if (this.entries) return this.entries;
    let raw: Buffer;
    try {
      raw = readFileSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (this.entries = new Map());
      throw new ControlError(
        'vault_error',
        `The vault ${this.file} could not be read: ${(err as Error).message}`,
        undefined,
        { cause: err },
      );
    }
    try {
      const parsed = JSON.parse(this.codec.decode(raw)) as { version?: number; entries?: VaultEntry[] };
      this.entries = new Map((parsed.entries ?? []).map((e) => [e.name, e]));
      return this.entries;
    } catch (err) {
      // Never overwrite secrets we could not read: the user may still recover the file (e.g. another OS account).
      throw new ControlError(
        'vault_error',
        `The vault ${this.file} is unreadable: ${(err as Error).message}`,
        undefined,
        { cause: err },
      );
    }
  }

  private save(entries: Map<string, VaultEntry>): void {
    const dir = path.dirname(this.file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const body = this.codec.encode(JSON.stringify({ version: 1, entries: [...entries.values()] }, null, 2));
    try {
      writeFileSync(temp, body, { mode: 0o600, flag: 'wx' });
      chmodSync(temp, 0o600); // the umask cannot widen it, but a pre-existing ACL default might
      renameSync(temp, this.file); // atomic: readers see the old file or the new one, never half of one
    } catch (err) {
      rmSync(temp, { force: true });
      throw new ControlError(
        'vault_error',
        `The vault ${this.file} could not be written: ${(err as Error).message}`,
        undefined,
        { cause: err },
      );
    }
  }

  /** Serialises writes so two quick changes never lose one another. */
  private exclusive<T>(fn: () => T): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  async get(name: string): Promise<string | undefined> {
    return this.exclusive(() => this.load().get(name)?.value);
  }

  async set(name: string, value: string, label?: string): Promise<void> {
    return this.exclusive(() => {
      const entries = new Map(this.load());
      entries.set(name, {
        name,
        value,
        ...(label !== undefined ? { label } : {}),
        createdAt: new Date().toISOString(),
      });
      this.save(entries);
      this.entries = entries;
    });
  }

  async delete(name: string): Promise<boolean> {
    return this.exclusive(() => {
      const entries = new Map(this.load());
      if (!entries.delete(name)) return false;
      this.save(entries);
      this.entries = entries;
      return true;
    });
  }

  async list(prefix = ''): Promise<Array<Omit<VaultEntry, 'value'>>> {
    return this.exclusive(() =>
      [...this.load().values()].filter((e) => e.name.startsWith(prefix)).map(({ value: _secret, ...rest }) => rest),
    );
  }
}

export const VAULT_FILE = 'vault.json';
export const ADMIN_TOKEN_ENTRY = 'admin-token';
export const keyEntry = (id: string) => `key:${id}`;
