// What the generic relay needs to know about one API endpoint and the protocol it speaks: how to validate the
// body, whether it streams and how the stream is framed, the token bound for the TPM reserve, and where the
// upstream reports usage. One descriptor per endpoint, one module per protocol; the relay itself is generic.
import type { z } from 'zod';
import type { GatewayError } from '../errors.js';
import type { UpstreamRef } from '../upstream/failures.js';

export type ProtocolName = 'openai' | 'anthropic' | 'ollama';

/** An error as one protocol puts it on the wire. */
export interface RenderedError {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface Protocol {
  name: ProtocolName;
  /** The protocol's error envelope and status for a gateway error (the one mapping table of that protocol). */
  renderError(error: GatewayError): RenderedError;
  /** A terminal error in the protocol's stream framing (SSE event or NDJSON line), terminator included. */
  streamError(error: GatewayError): string;
}

/** Token counts the upstream reported; null where it said nothing (the relay then uses its estimate). */
export interface Usage {
  prompt: number | null;
  completion: number | null;
}

export type Framing = 'sse' | 'ndjson';

/**
 * Reads one stream event by event (an SSE event without its blank-line terminator, or one NDJSON line).
 * take() returns what to forward to the client ('' forwards nothing); it throws a GatewayError when the event
 * is malformed. After the protocol's final event `finished` is true; an error event from upstream sets
 * `upstreamError` (the event itself is forwarded and ends the stream).
 */
export interface StreamReader {
  take(event: string): string;
  readonly usage: Usage;
  /** Content events seen: Ollama sends one per generated token, so this is the estimate of a cut stream. */
  readonly chunks: number;
  readonly finished: boolean;
  readonly upstreamError: string | null;
}

/** The state every reader keeps; protocols extend it with their own take(). */
export abstract class BaseReader implements StreamReader {
  usage: Usage = { prompt: null, completion: null };
  chunks = 0;
  finished = false;
  upstreamError: string | null = null;
  constructor(protected readonly ctx: StreamContext) {}
  abstract take(event: string): string;
}

export interface StreamContext {
  /** The validated request body. */
  body: Record<string, unknown>;
  upstream: UpstreamRef;
}

/** A relayed body once validated: the model it names (checked against the key and the catalog); the rest passes through. */
export type ModelRequest = Record<string, unknown> & { model: string };

export interface Endpoint {
  path: string;
  protocol: Protocol;
  /** Validates the body at the edge; its output names the model, so the relay needs no cast. */
  schema: z.ZodType<ModelRequest>;
  /** Whether this request streams (OpenAI/Anthropic opt in with stream: true; native chat/generate opt out). */
  streams(body: Record<string, unknown>): boolean;
  framing: Framing;
  /** The completion-token bound for the TPM reserve; `fallback` when the request sets none; 0 for embeddings. */
  completionReserve(body: Record<string, unknown>, fallback: number): number;
  /**
   * The body sent upstream: `raw` unchanged unless something must change (`model` is the name as Ollama lists it;
   * OpenAI streams also ask for usage). Without it: `raw`, with only the model name corrected when it differs.
   */
  upstreamBody?(body: Record<string, unknown>, raw: Buffer, stream: boolean, model: string): string | Buffer;
  /**
   * Whether the answer follows from the body alone, so the response cache may keep it (README "Response cache"):
   * sampling pinned (temperature 0, or a seed where the protocol has one) or no sampling at all (embeddings).
   */
  deterministic(body: Record<string, unknown>): boolean;
  /** Usage of a whole (non-stream) answer. */
  wholeUsage(answer: unknown): Usage;
  streamReader(ctx: StreamContext): StreamReader;
}

export const NO_USAGE: Readonly<Usage> = Object.freeze({ prompt: null, completion: null });

/** A positive integer or null (token bounds and counts from untrusted JSON). */
export function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : null;
}

/** The first positive bound among `values`, else `fallback`. */
export function bound(fallback: number, ...values: unknown[]): number {
  for (const value of values) {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.floor(value);
  }
  return fallback;
}

/** Sampling is pinned: temperature exactly 0, or an integer seed (the same seed gives the same tokens). */
export function pinnedSampling(temperature: unknown, seed?: unknown): boolean {
  return temperature === 0 || (typeof seed === 'number' && Number.isInteger(seed));
}

/** The received bytes, or — when the client named the model differently from Ollama's listing — the body with the listed name. */
export function withListedModel(body: Record<string, unknown>, raw: Buffer, model: string): string | Buffer {
  return body.model === model ? raw : JSON.stringify({ ...body, model });
}
