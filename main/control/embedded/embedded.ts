// Embedded mode: the same gateway in this process on SQLite ($LLMGW_HOME/embedded.db) and in-memory limits,
// with an admin token generated on first run and kept in the vault, so keys, models and readiness work without Docker.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { configFrom } from '../../../gateway/src/index.js';
import { startGateway, type Gateway } from '../../../gateway/src/index.js';
import { ControlError } from '../errors.js';
import type { Vault } from '../keys/vault.js';
import { removeEmbeddedLock, writeEmbeddedLock } from './lock.js';

export const EMBEDDED_DB = 'embedded.db';
export const EMBEDDED_TOKEN_ENTRY = 'admin-token:embedded';

export interface EmbeddedOptions {
  home: string;
  vault: Vault;
  port: number;
  host?: string;
  ollamaUrl: string;
  /** pino level; 'silent' in tests. */
  logLevel?: string;
  /** Log file (the app's logs folder); stdout when absent. */
  logFile?: string;
}

export interface EmbeddedInfo {
  url: string;
  adminToken: string;
  dbPath: string;
}

/** The admin token of embedded mode: read from the vault, or generated once and stored there. */
export async function embeddedAdminToken(vault: Vault): Promise<string> {
  const existing = await vault.get(EMBEDDED_TOKEN_ENTRY);
  if (existing && existing.length >= 16) return existing;
  const token = randomBytes(24).toString('hex');
  await vault.set(EMBEDDED_TOKEN_ENTRY, token, 'Admin token (embedded mode)');
  return token;
}

export class EmbeddedGateway {
  private gateway: Gateway | undefined;
  private starting: Promise<EmbeddedInfo> | undefined;
  private info: EmbeddedInfo | undefined;

  constructor(private readonly options: EmbeddedOptions) {}

  get running(): boolean {
    return this.gateway !== undefined;
  }

  get url(): string | null {
    return this.info?.url ?? null;
  }

  get adminToken(): string | null {
    return this.info?.adminToken ?? null;
  }

  /** Starts once; a second call while running returns the same gateway. */
  start(): Promise<EmbeddedInfo> {
    if (this.info && this.gateway) return Promise.resolve(this.info);
    this.starting ??= this.launch().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async launch(): Promise<EmbeddedInfo> {
    const { home, vault, port, ollamaUrl } = this.options;
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const adminToken = await embeddedAdminToken(vault);
    const dbPath = path.join(home, EMBEDDED_DB);
    const config = configFrom({
      PORT: port,
      HOST: this.options.host ?? '127.0.0.1',
      INSTANCE_ID: 'embedded',
      OLLAMA_URLS: ollamaUrl,
      ADMIN_TOKEN: adminToken,
      SQLITE_PATH: dbPath,
      LOG_LEVEL: this.options.logLevel ?? 'info',
      // A desktop app should quit promptly; in-flight streams get a few seconds, not the server's 30.
      SHUTDOWN_TIMEOUT_MS: 5_000,
    });
    try {
      this.gateway = await startGateway(config, { log: this.logger(config.LOG_LEVEL) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EADDRINUSE' ? `port ${port} is already in use` : (err as Error).message;
      throw new ControlError(
        'embedded_failed',
        `The embedded gateway could not start: ${why}.`,
        { port, ...(code ? { errno: code } : {}) },
        { cause: err },
      );
    }
    this.info = { url: this.gateway.url, adminToken, dbPath };
    // Tells a restore (any process) that embedded.db is in use; removed in stop().
    writeEmbeddedLock(home, Number(new URL(this.gateway.url).port));
    return this.info;
  }

  private logger(level: string): Logger {
    const base = { instance: 'embedded' };
    const redact = {
      paths: ['req.headers.authorization', 'headers.authorization', 'key', 'token'],
      censor: '[redacted]',
    };
    if (!this.options.logFile) return pino({ level, base, redact });
    mkdirSync(path.dirname(this.options.logFile), { recursive: true });
    return pino({ level, base, redact }, pino.destination({ dest: this.options.logFile, mkdir: true, sync: false }));
  }

  /** Drains in-flight requests, flushes usage, closes SQLite. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const gateway = this.gateway;
    this.gateway = undefined;
    this.info = undefined;
    try {
      await gateway?.close();
    } finally {
      if (gateway) removeEmbeddedLock(this.options.home);
    }
  }
}
