// The running gateway, whichever mode: chooses stack or embedded (auto = stack when Docker answers), starts and
// stops it, knows its URL and admin token, and drives the health monitor's mode and start/stop transitions.
import { ControlError } from './errors.js';
import type { EventBus } from './events.js';
import { HealthMonitor } from './health/monitor.js';
import { EmbeddedGateway, EMBEDDED_TOKEN_ENTRY } from './embedded/embedded.js';
import { resolveMode, type ChosenMode } from './embedded/mode.js';
import { AdminClient } from './keys/admin-client.js';
import type { Vault } from './keys/vault.js';
import type { OllamaClient } from './models/ollama-client.js';
import type { Settings } from './settings/schema.js';
import type { StackPort } from './stack-port.js';

export const STACK_TOKEN_ENTRY = 'admin-token:stack';
const STACK_SECRETS = ['POSTGRES_PASSWORD', 'REDIS_PASSWORD'] as const;
/** The services that answer on the gateway port: both must run before an admin call carries the token. */
const STACK_FRONT = ['nginx', 'api-gateway'] as const;

export interface RuntimeOptions {
  home: string;
  vault: Vault;
  bus: EventBus;
  ollama: OllamaClient;
  settings: () => Settings;
  stack: StackPort | null;
  docker: () => Promise<boolean>;
  /** Overrides settings.ports.gateway for embedded mode (tests use 0). */
  embeddedPort?: number;
  logLevel?: string;
  logFile?: string;
  health?: { intervalMs?: number; fastIntervalMs?: number };
}

export class Runtime {
  mode: ChosenMode = 'embedded';
  busy: 'starting' | 'stopping' | null = null;
  readonly monitor: HealthMonitor;
  private embedded: EmbeddedGateway | undefined;

  constructor(private readonly o: RuntimeOptions) {
    this.monitor = new HealthMonitor(
      {
        ...(o.stack ? { stack: o.stack } : {}),
        gatewayUrl: () => this.gatewayUrl(),
        ollamaVersion: () => o.ollama.version(),
        ...(o.stack?.ollamaReach ? { ollamaReach: () => o.stack!.ollamaReach!() } : {}),
      },
      { ...o.health, onChange: (health) => o.bus.emit({ type: 'status', health }) },
    );
  }

  /** Picks the mode from the settings (and Docker's presence for auto). */
  async choose(): Promise<ChosenMode> {
    const setting = this.o.settings().mode;
    const next = this.o.stack ? await resolveMode(setting, this.o.docker) : 'embedded';
    if (setting === 'stack' && !this.o.stack) {
      this.o.bus.emit({ type: 'warning', message: 'Stack mode is not available here; using embedded mode.' });
    }
    this.mode = next;
    this.monitor.setMode(this.monitorMode());
    this.o.bus.emit({ type: 'mode-changed', mode: this.mode, url: this.gatewayUrl() });
    return next;
  }

  private monitorMode(): 'stack' | 'embedded' | 'none' {
    if (this.mode === 'stack') return 'stack';
    return this.embedded?.running ? 'embedded' : 'none';
  }

  gatewayUrl(): string | null {
    if (this.mode === 'stack') return `http://127.0.0.1:${this.o.settings().ports.gateway}`;
    return this.embedded?.url ?? null;
  }

  /** The admin token of the gateway of the current mode (mirrored into the vault for the stack). */
  async adminToken(): Promise<string | null> {
    if (this.mode === 'embedded') return (await this.o.vault.get(EMBEDDED_TOKEN_ENTRY)) ?? null;
    const env = this.o.stack?.env();
    if (env?.ADMIN_TOKEN) {
      if ((await this.o.vault.get(STACK_TOKEN_ENTRY)) !== env.ADMIN_TOKEN) await this.mirrorStackSecrets(env);
      return env.ADMIN_TOKEN;
    }
    return (await this.o.vault.get(STACK_TOKEN_ENTRY)) ?? null;
  }

  private async mirrorStackSecrets(env: Record<string, string>): Promise<void> {
    await this.o.vault.set(STACK_TOKEN_ENTRY, env.ADMIN_TOKEN!, 'Admin token (stack)');
    for (const name of STACK_SECRETS) if (env[name]) await this.o.vault.set(`stack:${name}`, env[name], name);
  }

  async admin(): Promise<AdminClient> {
    const url = this.gatewayUrl();
    if (!url) throw new ControlError('gateway_unreachable', 'The gateway is not running.');
    if (this.mode === 'stack') await this.assertStackServing();
    const token = await this.adminToken();
    if (!token) throw new ControlError('no_admin_token', 'No admin token is known for the gateway yet.');
    return new AdminClient(url, token);
  }

  /**
   * The admin token goes only to a stack the Engine reports running: with the stack stopped, whatever listens on the
   * gateway port (another program, a stale forward) is not the gateway and must not receive it. Asked of the Engine
   * on every admin call, not the monitor's last snapshot, which may be seconds old.
   */
  private async assertStackServing(): Promise<void> {
    const port = this.o.settings().ports.gateway;
    let containers;
    try {
      containers = await this.o.stack!.containers();
    } catch (err) {
      throw new ControlError(
        'no_engine',
        `Docker did not answer, so the stack could not be verified running; the admin token was not sent to port ${port}.`,
        undefined,
        { cause: err },
      );
    }
    const missing = STACK_FRONT.filter(
      (service) => !containers.some((c) => c.service === service && c.state === 'running'),
    );
    if (missing.length > 0) {
      throw new ControlError(
        'stack_not_running',
        `The stack is not running (Docker reports no running ${missing.join(' or ')} container), so the admin ` +
          `token was not sent to port ${port}.`,
        { missing },
      );
    }
  }

  async start(): Promise<void> {
    if (this.busy)
      throw new ControlError('stack_error', `The gateway is already ${this.busy}.`, undefined, {
        hint: 'Wait for it to finish.',
      });
    this.setBusy('starting');
    try {
      if (this.mode === 'stack') {
        await this.o.stack!.start();
        await this.adminToken(); // copies the generated secrets into the vault
      } else {
        this.embedded ??= new EmbeddedGateway({
          home: this.o.home,
          vault: this.o.vault,
          port: this.o.embeddedPort ?? this.o.settings().ports.gateway,
          ollamaUrl: this.o.settings().ollamaUrl,
          ...(this.o.logLevel ? { logLevel: this.o.logLevel } : {}),
          ...(this.o.logFile ? { logFile: this.o.logFile } : {}),
        });
        await this.embedded.start();
        this.monitor.setMode('embedded');
        this.o.bus.emit({ type: 'mode-changed', mode: 'embedded', url: this.gatewayUrl() });
      }
    } finally {
      this.setBusy(null);
    }
  }

  async stop(): Promise<void> {
    if (this.busy)
      throw new ControlError('stack_error', `The gateway is already ${this.busy}.`, undefined, {
        hint: 'Wait for it to finish.',
      });
    this.setBusy('stopping');
    try {
      if (this.mode === 'stack') await this.o.stack!.stop();
      else {
        const embedded = this.embedded;
        this.embedded = undefined; // a later start picks up changed ports/Ollama URL
        await embedded?.stop();
        this.monitor.setMode('none');
        this.o.bus.emit({ type: 'mode-changed', mode: 'none', url: null });
      }
    } finally {
      this.setBusy(null);
    }
  }

  /** Running means: embedded gateway up, or some stack container running. */
  running(): boolean {
    const status = this.monitor.current().status;
    return this.mode === 'embedded' ? (this.embedded?.running ?? false) : status !== 'stopped';
  }

  private setBusy(busy: 'starting' | 'stopping' | null): void {
    this.busy = busy;
    this.monitor.setTransition(busy);
  }

  /** Quit: the embedded gateway always stops (it lives in this process); the stack only when asked. */
  async shutdown(stopStack: boolean): Promise<void> {
    this.monitor.stop();
    if (this.embedded) await this.embedded.stop();
    if (stopStack && this.mode === 'stack' && this.o.stack) await this.o.stack.stop();
  }
}
