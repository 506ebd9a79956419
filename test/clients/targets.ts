// Where the official-client suites point their client: the Ollama test upstream directly (proves the
// fixture answers as Ollama would), or the gateway on either store backend with a real `llmgw_` key
// (proves the front door). Also the check that a request was served and, via the gateway, accounted.
import { expect } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { startHarness, type BackendKind, type Harness } from '../support/harness.js';

export type TargetKind = 'ollama' | BackendKind;
/** Every client runs against Ollama itself first, then through the gateway on both backends. */
export const TARGETS: TargetKind[] = ['ollama', 'embedded', 'pg+redis'];

export interface Tokens {
  prompt: number;
  completion: number;
}

export interface Target {
  kind: TargetKind;
  upstream: OllamaUpstream;
  /** Root URL without a trailing slash (clients add `/v1` or `/api` themselves). */
  url: string;
  /** The key clients send: a gateway key, or any string for Ollama (which ignores it). */
  key: string;
  harness: Harness | null;
  /**
   * Asserts the request to `endpoint` was served: through the gateway, exactly one new usage row for the
   * endpoint carrying these tokens and outcome; directly, that Ollama counted one more request to it.
   */
  expectRecorded(endpoint: string, tokens: Tokens, outcome?: 'ok' | 'aborted'): Promise<Record<string, unknown> | null>;
  close(): Promise<void>;
}

export const CHAT_MODEL = 'llama3.2:1b';
export const EMBED_MODEL = 'nomic-embed-text';

/** Poll until `check` yields a value (rows land after the usage flush interval). */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function startTarget(kind: TargetKind): Promise<Target> {
  if (kind === 'ollama') {
    const upstream = await startOllamaUpstream();
    // Counts already checked, per stats object (reset() and resetAll() start a new one).
    let seen = new Map<string, number>();
    let stats = upstream.stats;
    return {
      kind,
      upstream,
      url: upstream.url,
      key: 'ollama',
      harness: null,
      async expectRecorded(endpoint) {
        if (upstream.stats !== stats) [stats, seen] = [upstream.stats, new Map()];
        const count = stats.requests[`POST ${endpoint}`] ?? 0;
        expect(count, `Ollama served ${endpoint}`).toBe((seen.get(endpoint) ?? 0) + 1);
        seen.set(endpoint, count);
        return null;
      },
      close: () => upstream.close(),
    };
  }
  const harness = await startHarness({ kind });
  const { key, id } = await harness.createKey({ rpm: 10_000 });
  const accounted = new Set<unknown>();
  return {
    kind,
    upstream: harness.upstream,
    url: harness.url,
    key,
    harness,
    async expectRecorded(endpoint, tokens, outcome = 'ok') {
      const fresh = await eventually(async () => {
        const rows = (await harness.usageRows()).filter((r) => r.key_id === id && !accounted.has(r.request_id));
        return rows.length > 0 ? rows : undefined;
      }, `a usage row for ${endpoint}`);
      for (const r of fresh) accounted.add(r.request_id);
      expect(fresh, `one new usage row for ${endpoint}`).toHaveLength(1);
      const row = fresh[0]!;
      expect({ endpoint: row.endpoint, outcome: row.outcome }).toEqual({ endpoint, outcome });
      expect({ prompt: Number(row.prompt_tokens), completion: Number(row.completion_tokens) }).toEqual(tokens);
      return row;
    },
    close: () => harness.close(),
  };
}
