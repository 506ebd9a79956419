// Streaming load: N concurrent streams (OpenAI SSE, Anthropic SSE or Ollama NDJSON) for a fixed time, measuring
// time to first byte, total time and completed streams per second. A stream counts only when it ends with its
// protocol's end marker. Runs in the benchmark process (pinned to the load core).
import { Pool } from 'undici';

export interface StreamResult {
  streams: number;
  failed: number;
  streamsPerSecond: number;
  ttfbP50Ms: number;
  totalP50Ms: number;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function streamLoad(options: {
  url: string;
  key: string | null;
  body: string;
  concurrency: number;
  seconds: number;
  /** How the key is sent: `Authorization: Bearer` (default) or Anthropic's `x-api-key`. */
  auth?: 'bearer' | 'x-api-key';
  /** Extra request headers (e.g. anthropic-version). */
  headers?: Record<string, string>;
  /** Whether the whole body is a complete stream; default: OpenAI's `[DONE]`. */
  complete?: (text: string) => boolean;
}): Promise<StreamResult> {
  const target = new URL(options.url);
  const pool = new Pool(target.origin, { connections: options.concurrency, pipelining: 1 });
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.key && options.auth === 'x-api-key') headers['x-api-key'] = options.key;
  else if (options.key) headers.authorization = `Bearer ${options.key}`;
  const complete = options.complete ?? ((text: string) => text.includes('[DONE]'));
  const ttfb: number[] = [];
  const total: number[] = [];
  let failed = 0;
  const deadline = performance.now() + options.seconds * 1000;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const response = await pool.request({ method: 'POST', path: target.pathname, headers, body: options.body });
        let first = 0;
        let text = '';
        for await (const chunk of response.body) {
          if (first === 0) first = performance.now();
          text += (chunk as Buffer).toString();
        }
        if (response.statusCode !== 200 || !complete(text)) {
          failed += 1;
          continue;
        }
        ttfb.push(first - t0);
        total.push(performance.now() - t0);
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return {
    streams: total.length,
    failed,
    streamsPerSecond: total.length / elapsed,
    ttfbP50Ms: median(ttfb),
    totalP50Ms: median(total),
  };
}
