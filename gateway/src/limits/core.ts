// Shared by both limiters: input validation/normalisation and building the AdmitResult from the window state,
// so the Redis (Lua) and in-memory implementations report identical numbers.
import { WINDOW_MS, type AdmitRequest, type AdmitResult, type SettleRequest } from './types.js';

/** Idle keys vanish this long after their last write (a bit more than the window, so nothing live is lost). */
export const KEY_TTL_MS = WINDOW_MS + 1000;

/** Retry-after for a refusal on concurrency: nothing says when a request in flight ends, so a short guess. */
export const CONCURRENCY_RETRY_MS = 1000;

export interface AdmitInput {
  keyId: string;
  requestId: string;
  rpm: number;
  tpm: number;
  tokens: number;
  maxConcurrent: number;
  now: number;
}

export interface SettleInput {
  keyId: string;
  requestId: string;
  tokens: number;
  now: number;
}

/** The window after the decision (including this request when it was admitted). */
export interface WindowOutcome {
  allowed: boolean;
  reason?: 'requests' | 'tokens' | 'concurrency';
  retryAfterMs: number;
  /** Requests in flight after the decision. */
  inFlight: number;
  /** Admissions in the window. */
  count: number;
  /** Sum of reservations in the window. */
  sum: number;
  /** Timestamp of the oldest admission in the window, or null when empty. */
  oldest: number | null;
}

function id(name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new TypeError(`${name} must be a non-empty string`);
  return v;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`${name} must be an integer >= 1, got ${v}`);
  return v;
}

function tokenCount(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${v}`);
  return Math.ceil(v);
}

function time(v: number | undefined): number {
  const now = v ?? Date.now();
  if (!Number.isFinite(now)) throw new RangeError(`now must be a finite number, got ${now}`);
  return Math.floor(now);
}

export function normaliseAdmit(req: AdmitRequest): AdmitInput {
  return {
    keyId: id('keyId', req.keyId),
    requestId: id('requestId', req.requestId),
    rpm: positiveInt('rpm', req.rpm),
    tpm: positiveInt('tpm', req.tpm),
    tokens: tokenCount('estimatedTokens', req.estimatedTokens),
    maxConcurrent: positiveInt('maxConcurrent', req.maxConcurrent),
    now: time(req.now),
  };
}

export function normaliseSettle(req: SettleRequest): SettleInput {
  return {
    keyId: id('keyId', req.keyId),
    requestId: id('requestId', req.requestId),
    tokens: tokenCount('actualTokens', req.actualTokens),
    now: time(req.now),
  };
}

/**
 * Token admission rule: fits when sum + tokens <= tpm, or when nothing is reserved in the window (sum == 0),
 * so a single request larger than tpm is admitted on an idle window instead of being refused forever.
 * Amount that must leave the window before the request fits (<= 0: fits now).
 */
export function tokensToFree(sum: number, tokens: number, tpm: number): number {
  if (sum === 0 || sum + tokens <= tpm) return 0;
  return tokens > tpm ? sum : sum + tokens - tpm;
}

export function buildResult(input: AdmitInput, w: WindowOutcome): AdmitResult {
  const resetMs = w.oldest === null ? 0 : Math.max(0, w.oldest + WINDOW_MS - input.now);
  const result: AdmitResult = {
    allowed: w.allowed,
    retryAfterMs: w.allowed ? 0 : w.retryAfterMs,
    requests: { limit: input.rpm, remaining: Math.max(0, input.rpm - w.count), resetMs },
    tokens: { limit: input.tpm, remaining: Math.max(0, input.tpm - w.sum), resetMs },
    inFlight: w.inFlight,
  };
  if (!w.allowed) result.reason = w.reason;
  return result;
}
