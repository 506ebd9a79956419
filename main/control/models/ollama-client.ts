// Ollama's HTTP API as the control plane needs it: version, installed models (/api/tags + /api/show + /api/ps),
// delete, and /api/pull as a stream of progress lines that a caller can abort.
import { ControlError } from '../errors.js';
import { errorMessage, jsonOf, send, trimSlash } from '../http.js';

export interface InstalledModel {
  name: string;
  size: number;
  digest: string;
  modifiedAt: string;
  family: string | null;
  parameterSize: string | null;
  quantization: string | null;
  contextLength: number | null;
  capabilities: string[];
  /** Loaded in memory right now (/api/ps). */
  loaded: boolean;
}

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
  ) {}

  get url(): string {
    return this.baseUrl;
  }

  setUrl(url: string): void {
    this.baseUrl = trimSlash(url);
  }

  private async call(path: string, method = 'GET', body?: unknown): Promise<unknown> {
    const res = await send(`${trimSlash(this.baseUrl)}${path}`, { method, body, timeoutMs: this.timeoutMs }, 'ollama_unreachable');
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

  /** Streams /api/pull progress lines; aborting `signal` closes the request (Ollama keeps the partial blobs). */
  async *pull(name: string, signal: AbortSignal): AsyncGenerator<PullLine> {
    // No overall timeout: a multi-GB pull takes as long as it takes; the caller's signal cancels it.
    const res = await send(
      `${trimSlash(this.baseUrl)}/api/pull`,
      { method: 'POST', body: { model: name, stream: true }, signal, timeoutMs: 2 ** 31 - 1 },
      'ollama_unreachable',
    );
    if (!res.ok || !res.body) {
      throw new ControlError('pull_failed', `Pull of ${name} failed: ${errorMessage(await jsonOf(res), res)}`, { status: res.status });
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const lines = (rest + decoder.decode(value, { stream: true })).split('\n');
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
    } finally {
      reader.releaseLock();
      if (signal.aborted) await res.body.cancel().catch(() => undefined);
    }
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
