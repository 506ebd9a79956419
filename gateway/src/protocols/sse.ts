// SSE event helpers shared by the SSE protocols: the `event:` name and `data:` payload of one event, and framing.
import type { GatewayError } from '../errors.js';
import { upstreamFailures, type UpstreamRef } from '../upstream/failures.js';

export interface SseEvent {
  /** The `event:` field, or null when the event has none (OpenAI chat chunks). */
  name: string | null;
  data: string;
}

/** Fields of one SSE event (without its terminator); null for a comment-only event (keep-alive). */
export function parseSseEvent(raw: string, upstream: UpstreamRef): SseEvent | null {
  // The common case on the hot path (OpenAI chunks): one `data:` line and nothing else.
  if (raw.startsWith('data:') && !raw.includes('\n'))
    return { name: null, data: raw.charCodeAt(5) === 32 ? raw.slice(6) : raw.slice(5) };
  let name: string | null = null;
  let data: string | null = null;
  for (const line of raw.split('\n')) {
    if (line.startsWith(':') || line.length === 0) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') name = value;
    else if (field === 'data') data = data === null ? value : `${data}\n${value}`;
  }
  if (data === null) {
    if (name === null) return null;
    throw malformedStream(upstream, 'an event without a data field');
  }
  return { name, data };
}

/** Parses an event's JSON payload (an object), or fails as a malformed stream. */
export function eventJson(data: string, upstream: UpstreamRef): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw malformedStream(upstream, 'an event that is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformedStream(upstream, 'an event that is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function malformedStream(upstream: UpstreamRef, what: string): GatewayError {
  return upstreamFailures.malformedStream(upstream, new Error(what), what);
}

/** Builds one SSE event with its terminator. */
export function sseEvent(name: string | null, data: unknown): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return name === null ? `data: ${payload}\n\n` : `event: ${name}\ndata: ${payload}\n\n`;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
