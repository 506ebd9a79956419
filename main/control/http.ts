// Small fetch helpers shared by the Ollama and admin clients: a timeout on every call, network failures turned
// into ControlErrors naming the URL, JSON bodies read defensively.
import { ControlError, type ControlErrorCode } from './errors.js';

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** fetch with a timeout; a refused connection or a timeout becomes `unreachable` with the URL in the message. */
export async function send(url: string, options: RequestOptions, unreachable: ControlErrorCode): Promise<Response> {
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 10_000)];
  if (options.signal) signals.push(options.signal);
  try {
    return await fetch(url, {
      method: options.method ?? 'GET',
      headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.any(signals),
    });
  } catch (err) {
    if (options.signal?.aborted) throw err; // the caller cancelled: let it see its own abort
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (err as Error).name === 'TimeoutError'
        ? 'no answer in time'
        : (cause?.code ?? cause?.message ?? (err as Error).message);
    throw new ControlError(unreachable, `${new URL(url).origin} did not answer (${why}).`, { url }, { cause: err });
  }
}

/** Reads a JSON body, or null when the body is empty or not JSON. */
export async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Ollama's `{"error":"..."}` or the gateway's OpenAI envelope `{"error":{"message"}}`, else the status line. */
export function errorMessage(body: unknown, res: { status: number; statusText?: string }): string {
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return `HTTP ${res.status} ${res.statusText ?? ''}`.trim();
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
