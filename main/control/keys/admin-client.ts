// The gateway's admin API (/admin/keys, /admin/models/refresh, /admin/usage, /admin/upstreams) with the admin token; answers become typed views
// and the gateway's OpenAI-style errors become ControlErrors with the gateway's own message.
import { ControlError } from '../errors.js';
import { errorMessage, jsonOf, send, trimSlash } from '../http.js';
import type { UsageWireSummary as UsageSummary } from '../../../gateway/src/index.js';

/** GET /admin/usage answers in the gateway's own wire types. */
export type { UsageWireRow as UsageRow, UsageWireSummary as UsageSummary } from '../../../gateway/src/index.js';
import type { KeyView, CreatedKey } from '../../../common/protocol/views.js';
export type { KeyView, CreatedKey } from '../../../common/protocol/views.js';

export interface NewKeyInput {
  name: string;
  models?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  expires_at?: string | null;
  max_concurrent?: number | null;
  allowed_ips?: string[] | null;
  cache?: boolean;
}

export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {}

  private async call<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
    const res = await send(
      `${trimSlash(this.baseUrl)}${path}`,
      { method, body, timeoutMs: this.timeoutMs, headers: { authorization: `Bearer ${this.token}` } },
      'gateway_unreachable',
    );
    const json = await jsonOf(res);
    if (res.ok) return json as T;
    const message = errorMessage(json, res);
    const code = (json as { error?: { code?: string } } | null)?.error?.code;
    if (res.status === 401 || res.status === 403)
      throw new ControlError('admin_refused', `Admin API: ${message}`, { status: res.status });
    if (res.status === 404 && code === 'key_not_found')
      throw new ControlError('key_not_found', message, { status: 404 });
    if (res.status === 400) throw new ControlError('invalid_input', `Gateway: ${message}`, { status: 400 });
    throw new ControlError('gateway_error', `Gateway: ${message}`, {
      status: res.status,
      ...(code ? { gatewayCode: code } : {}),
    });
  }

  create(input: NewKeyInput): Promise<CreatedKey> {
    return this.call('/admin/keys', 'POST', input);
  }

  async list(): Promise<KeyView[]> {
    return (await this.call<{ data: KeyView[] }>('/admin/keys')).data;
  }

  /** PATCH /admin/keys/:id: replaces the key's allow-list (null = anywhere). */
  setAllowedIps(id: string, allowedIps: string[] | null): Promise<KeyView> {
    return this.call(`/admin/keys/${encodeURIComponent(id)}`, 'PATCH', { allowed_ips: allowedIps });
  }

  revoke(id: string): Promise<KeyView> {
    return this.call(`/admin/keys/${encodeURIComponent(id)}`, 'DELETE');
  }

  rotate(id: string, graceHours?: number): Promise<CreatedKey & { previous: KeyView }> {
    return this.call(
      `/admin/keys/${encodeURIComponent(id)}/rotate`,
      'POST',
      graceHours === undefined ? {} : { grace_hours: graceHours },
    );
  }

  /** GET /admin/usage: requests, errors, tokens and average latency by key and model over [from, to). */
  usage(query: { from: string; to: string; keyId?: string; model?: string }): Promise<UsageSummary> {
    const params = new URLSearchParams({ from: query.from, to: query.to });
    if (query.keyId) params.set('key_id', query.keyId);
    if (query.model) params.set('model', query.model);
    return this.call(`/admin/usage?${params.toString()}`);
  }

  /** GET /admin/upstreams: the Ollama hosts as the gateway routes to them (validated by upstreams.ts). */
  upstreams(): Promise<unknown> {
    return this.call('/admin/upstreams');
  }

  /** Makes the gateway re-read Ollama's model list now (after a pull or delete). */
  async refreshModels(): Promise<void> {
    await this.call('/admin/models/refresh', 'POST');
  }
}
