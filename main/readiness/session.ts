// One run's shared state: the temporary keys it creates through the admin API (all revoked in cleanup()),
// the API key the checks use, and the model they chat with (chosen once per run).
import { randomBytes } from 'node:crypto';
import { ReadinessError } from './errors.js';
import { bearer, call, clip } from './http.js';
import { pickChatModel, type ListedModel } from './model-choice.js';
import type { CheckContext, ReadinessOptions } from './types.js';

export class RunSession {
  readonly runId = `rd_${randomBytes(5).toString('hex')}`;
  readonly url: string;
  private keyPromise: Promise<string> | undefined;
  private modelPromise: Promise<string> | undefined;
  private readonly open = new Map<string, string>();
  keysCreated = 0;
  keysRevoked = 0;

  constructor(readonly options: ReadinessOptions) {
    this.url = options.url.replace(/\/+$/, '');
  }

  get canAdmin(): boolean {
    return Boolean(this.options.adminToken);
  }

  /** A check's context: the session plus that check's abort signal. */
  contextFor(signal: AbortSignal): CheckContext {
    return {
      options: this.options,
      url: this.url,
      signal,
      canAdmin: this.canAdmin,
      key: () => this.key(),
      model: () => this.model(),
      tempKey: (body) => this.createKey(body),
      revokeKey: (id) => this.revoke(id),
    };
  }

  key(): Promise<string> {
    if (this.options.key) return Promise.resolve(this.options.key);
    if (!this.canAdmin) {
      return Promise.reject(new ReadinessError('no_key', 'No API key: neither --key nor an admin token was given.'));
    }
    this.keyPromise ??= this.createKey({ name: `readiness-${this.runId}`, rpm: 1000 }).then((created) => created.key);
    // A failed creation is retried by the next check rather than cached.
    this.keyPromise.catch(() => (this.keyPromise = undefined));
    return this.keyPromise;
  }

  model(): Promise<string> {
    if (this.options.model) return Promise.resolve(this.options.model);
    this.modelPromise ??= this.key().then(async (key) => {
      const answer = await call(`${this.url}/v1/models`, { headers: bearer(key) });
      if (answer.status !== 200) {
        throw new ReadinessError('no_chat_model', `GET /v1/models answered ${answer.status}: ${clip(answer.text)}`);
      }
      const data = (answer.json as { data?: ListedModel[] } | undefined)?.data ?? [];
      const chosen = pickChatModel(data);
      if (!chosen) {
        throw new ReadinessError(
          'no_chat_model',
          `No chat model is installed (models: ${data.map((m) => m.id).join(', ') || 'none'}).`,
        );
      }
      return chosen;
    });
    this.modelPromise.catch(() => (this.modelPromise = undefined));
    return this.modelPromise;
  }

  async createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
    if (!this.canAdmin) throw new ReadinessError('no_key', 'Creating a temporary key needs the admin token.');
    const answer = await call(`${this.url}/admin/keys`, {
      method: 'POST',
      headers: { ...bearer(this.options.adminToken!), 'content-type': 'application/json' },
      body: JSON.stringify({ name: `readiness-${this.runId}`, ...body }),
    });
    if (answer.status === 401)
      throw new ReadinessError('admin_refused', 'POST /admin/keys refused the admin token (401).');
    if (answer.status === 403)
      throw new ReadinessError('admin_disabled', 'POST /admin/keys answered 403: the admin API is off.');
    const created = answer.json as { id?: string; key?: string } | undefined;
    if (answer.status !== 201 || !created?.id || !created.key) {
      throw new ReadinessError('admin_refused', `POST /admin/keys answered ${answer.status}: ${clip(answer.text)}`);
    }
    this.keysCreated += 1;
    this.open.set(created.id, created.key);
    return { id: created.id, key: created.key };
  }

  async revoke(id: string): Promise<void> {
    if (!this.open.has(id)) return;
    const answer = await call(`${this.url}/admin/keys/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: bearer(this.options.adminToken!),
    });
    if (answer.status !== 200 && answer.status !== 404) {
      throw new Error(`DELETE /admin/keys/${id} answered ${answer.status}: ${clip(answer.text)}`);
    }
    this.open.delete(id);
    this.keysRevoked += 1;
  }

  /** Revokes every key this run created; returns warnings for the ones that could not be revoked. */
  async cleanup(): Promise<string[]> {
    const warnings: string[] = [];
    for (const id of [...this.open.keys()]) {
      try {
        await this.revoke(id);
      } catch (err) {
        warnings.push(
          `Temporary key ${id} could not be revoked (${(err as Error).message}); revoke it with DELETE /admin/keys/${id}.`,
        );
      }
    }
    return warnings;
  }
}
