// Small HTTP helpers for checks: fetch with the check's abort signal and coded network errors, JSON parsing,
// the OpenAI error envelope test, and a raw request that keeps repeated headers (for the CORS checks).
import http from 'node:http';
import https from 'node:https';
import { networkError } from './errors.js';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
  ms: number;
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; signal?: AbortSignal } = {},
): Promise<Answer> {
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: init.headers ?? {},
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (err) {
    throw networkError(url, err);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw networkError(url, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    text,
    json,
    ms: Math.round(performance.now() - started),
  };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/** True when `body` is OpenAI's `{"error":{"message","type","param","code"}}` (optionally with this code). */
export function isEnvelope(body: unknown, code?: string): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as Record<string, unknown>;
  const shape = typeof e.message === 'string' && typeof e.type === 'string' && 'param' in e && 'code' in e;
  return shape && (code === undefined || e.code === code);
}

export function clip(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export interface RawAnswer {
  status: number;
  /** Header name (lowercase) → every value it was sent with, repeats kept. */
  headers: Map<string, string[]>;
}

/** A request through node:http that reports repeated headers separately (fetch would join them). */
export function rawRequest(
  url: string,
  init: { method: string; headers: Record<string, string>; signal?: AbortSignal },
): Promise<RawAnswer> {
  const target = new URL(url);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      target,
      { method: init.method, headers: init.headers, ...(init.signal ? { signal: init.signal } : {}) },
      (res) => {
        const headers = new Map<string, string[]>();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase();
          headers.set(name, [...(headers.get(name) ?? []), res.rawHeaders[i + 1]!]);
        }
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers }));
        res.on('error', (err) => reject(networkError(url, err)));
      },
    );
    req.on('error', (err) => reject(networkError(url, Object.assign(new Error(err.message), { cause: err }))));
    req.end();
  });
}
