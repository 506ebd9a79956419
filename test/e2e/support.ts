// Helpers for the stack e2e: raw HTTP through nginx (raw headers, to count duplicates), bounded load,
// and small waits. Everything talks to http://127.0.0.1:3000 only.
import type Docker from 'dockerode';
import http from 'node:http';

export const BASE = 'http://127.0.0.1:3000';

export interface RawResponse {
  status: number;
  /** Header name (lower case) → every value, so a duplicated header shows up twice. */
  headers: Map<string, string[]>;
  body: string;
}

export function request(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; agent?: http.Agent; base?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = http.request(
      `${options.base ?? BASE}${path}`,
      {
        method,
        agent: options.agent ?? false,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
        timeout: 30_000,
      },
      (res) => {
        const headers = new Map<string, string[]>();
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase();
          headers.set(name, [...(headers.get(name) ?? []), res.rawHeaders[i + 1]!]);
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export const header = (res: RawResponse, name: string): string | undefined => res.headers.get(name)?.[0];

/** Runs `task` with at most `concurrency` in flight until `durationMs` passes; returns every result in order. */
export async function load<T>(
  durationMs: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<Array<{ at: number; value: T | Error }>> {
  const results: Array<{ at: number; value: T | Error }> = [];
  const end = Date.now() + durationMs;
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const i = n++;
        const value = await task(i).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
        results.push({ at: Date.now(), value });
      }
    }),
  );
  return results;
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The caller's environment as a user with a stock Ollama has it (lives beside the route logic; the bench uses it too). */
export { stockOllamaEnv } from '../../main/stack/ollama-route.js';

/**
 * The default bridge's gateway address: where host.docker.internal points and the ollama-forwarder listens. Older engines leave Gateway out of
 * IPAM; then it is the subnet's first address (Docker's choice), bound to docker0 even while that link is down.
 */
export async function bridgeGatewayIp(engine: Docker): Promise<string> {
  const bridge = (await engine.getNetwork('bridge').inspect()) as {
    IPAM?: { Config?: Array<{ Gateway?: string; Subnet?: string }> };
  };
  const config = bridge.IPAM?.Config?.find((c) => c.Gateway || /^\d+\.\d+\.\d+\.\d+\//.test(c.Subnet ?? ''));
  if (config?.Gateway) return config.Gateway;
  const octets = config?.Subnet?.split('/')[0]?.split('.').map(Number);
  if (!octets || octets.length !== 4)
    throw new Error('the default bridge has no IPv4 subnet; cannot place the test upstream where containers reach it');
  octets[3] = octets[3]! + 1;
  return octets.join('.');
}
