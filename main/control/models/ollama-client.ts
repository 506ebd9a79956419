// Ollama's HTTP API as the control plane needs it: version, installed models (/api/tags + /api/show + /api/ps),
// delete, and /api/pull as a stream of progress lines that a caller can abort.
import { request } from 'undici';
import { ControlError } from '../errors.js';
import { errorMessage, jsonOf, send, trimSlash } from '../http.js';
import type { InstalledModel } from '../../../common/protocol/views.js';
export type { InstalledModel } from '../../../common/protocol/views.js';

/**
 * Longest silence of a pull before it is given up. Ollama sends no line while it verifies a large download
 * (`verifying sha256 digest` can take minutes), so the HTTP client's own idle limit must not apply: Node's fetch
 * (undici) would cut the body after 300 s of silence.
 */
export const DEFAULT_PULL_IDLE_TIMEOUT_MS = 30 * 60_000;

/** One NDJSON line of /api/pull. */
export interface PullLine {
  status?: string;
  digest?: string;
  total?: number;
  completed?: number;
  error?: string;
}

interface TagEntry {
  name: string;
  size?: number;
  digest?: string;
  modified_at?: string;
  details?: { family?: string; parameter_size?: string; quantization_level?: string };
}

export class OllamaClient {
  constructor(
    private baseUrl: string,
    private readonly timeoutMs = 10_000,
    /** Silence allowed inside a pull (headers or between progress lines); see DEFAULT_PULL_IDLE_TIMEOUT_MS. */
    readonly pullIdleTimeoutMs = DEFAULT_PULL_IDLE_TIMEOUT_MS,
  ) {}

  get url(): string {
    return this.baseUrl;
  }

  setUrl(url: string): void {
    this.baseUrl = trimSlash(url);
  }

  private async call(path: string, method = 'GET', body?: unknown): Promise<unknown> {
    const res = await send(
      `${trimSlash(this.baseUrl)}${path}`,
      { method, body, timeoutMs: this.timeoutMs },
      'ollama_unreachable',
    );
    const json = await jsonOf(res);
    if (res.status === 404 && path !== '/api/version') {
      throw new ControlError('model_not_found', errorMessage(json, res), { status: 404 });
    }
    if (!res.ok) throw new ControlError('ollama_error', `Ollama: ${errorMessage(json, res)}`, { status: res.status });
    return json;
  }

  async version(): Promise<string> {
    const body = (await this.call('/api/version')) as { version?: string } | null;
    return body?.version ?? 'unknown';
  }

  /** Installed models with details; /api/show per model for the context length (failures leave it null). */
  async list(): Promise<InstalledModel[]> {
    const [tags, ps] = await Promise.all([
      this.call('/api/tags') as Promise<{ models?: TagEntry[] } | null>,
      (this.call('/api/ps') as Promise<{ models?: Array<{ name: string }> } | null>).catch(() => null),
    ]);
    const loaded = new Set((ps?.models ?? []).map((m) => m.name));
    return Promise.all(
      (tags?.models ?? []).map(async (m): Promise<InstalledModel> => {
        const show = (await this.call('/api/show', 'POST', { model: m.name }).catch(() => null)) as {
          model_info?: Record<string, unknown>;
          capabilities?: string[];
        } | null;
        return {
          name: m.name,
          size: m.size ?? 0,
          digest: m.digest ?? '',
          modifiedAt: m.modified_at ?? '',
          family: m.details?.family ?? null,
          parameterSize: m.details?.parameter_size ?? null,
          quantization: m.details?.quantization_level ?? null,
          contextLength: contextLength(show?.model_info),
          capabilities: show?.capabilities ?? [],
          loaded: loaded.has(m.name),
        };
      }),
    );
  }

  async delete(name: string): Promise<void> {
    await this.call('/api/delete', 'DELETE', { model: name });
  }

  /**
   * Streams /api/pull progress lines; aborting `signal` closes the request (Ollama keeps the partial blobs).
   * No overall timeout (a multi-GB pull takes as long as it takes): only a silence longer than pullIdleTimeoutMs
   * ends it. undici's request() is used rather than fetch so that limit, not fetch's fixed 300 s, applies.
   */
  async *pull(name: string, signal: AbortSignal): AsyncGenerator<PullLine> {
    const url = `${trimSlash(this.baseUrl)}/api/pull`;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: name, stream: true }),
        signal,
        headersTimeout: this.pullIdleTimeoutMs,
        bodyTimeout: this.pullIdleTimeoutMs,
      });
    } catch (err) {
      if (signal.aborted) throw err; // the caller cancelled: let it see its own abort
      throw this.pullFailure(name, url, err);
    }
    if (res.statusCode !== 200) {
      const text = await res.body.text().catch(() => '');
      let body: unknown = null;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // not JSON: the status line says it
      }
      throw new ControlError(
        'pull_failed',
        `Pull of ${name} failed: ${errorMessage(body, { status: res.statusCode })}`,
        {
          status: res.statusCode,
        },
      );
    }
    const decoder = new TextDecoder();
    let rest = '';
    let complete = false;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() === '') continue;
          let parsed: PullLine;
          try {
            parsed = JSON.parse(line) as PullLine;
          } catch {
            continue; // a torn line is skipped; the next carries the newer totals anyway
          }
          yield parsed;
        }
      }
      complete = true;
    } catch (err) {
      if (signal.aborted) throw err;
      throw this.pullFailure(name, url, err);
    } finally {
      if (!complete) res.body.destroy();
    }
  }

  private pullFailure(name: string, url: string, err: unknown): ControlError {
    const code = (err as { code?: string }).code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      const seconds = Math.round(this.pullIdleTimeoutMs / 1000);
      return new ControlError(
        'pull_failed',
        `Ollama sent nothing for ${seconds} s while pulling ${name}; pull again to resume where it stopped.`,
        { url },
        { cause: err },
      );
    }
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
      return new ControlError(
        'pull_failed',
        `Ollama closed the connection while pulling ${name}; pull again to resume.`,
        { url },
        { cause: err },
      );
    }
    return new ControlError(
      'ollama_unreachable',
      `${new URL(url).origin} did not answer (${code ?? String(err)}).`,
      { url },
      { cause: err },
    );
  }
}

/** `<arch>.context_length` from /api/show's model_info. */
function contextLength(info: Record<string, unknown> | undefined): number | null {
  if (!info) return null;
  for (const [key, value] of Object.entries(info)) {
    if (key.endsWith('.context_length') && typeof value === 'number') return value;
  }
  return null;
}
