// Relays an upstream SSE stream to the client event by event, as the bytes arrive (never buffered whole).
// It checks each event, takes the usage chunk out when the client did not ask for it, counts content chunks
// (the usage estimate when a stream is cut short), honours back-pressure, and ends a broken stream with
// a terminal error event instead of a silent hang.
import { StringDecoder } from 'node:string_decoder';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { GatewayError } from '../errors.js';
import { isTimeoutError } from './pool.js';

export interface StreamUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface RelayResult {
  outcome: 'ok' | 'error' | 'aborted';
  usage: StreamUsage | null;
  contentChunks: number;
  error?: GatewayError;
}

export interface RelayOptions {
  forwardUsage: boolean;
  upstreamUrl: string;
  /** True once the client went away (its socket closed). */
  clientGone: () => boolean;
}

const DONE = 'data: [DONE]';

export function sseErrorEvent(error: GatewayError): string {
  return `data: ${JSON.stringify(error.toEnvelope())}\n\n`;
}

export async function relaySse(body: Readable, res: ServerResponse, options: RelayOptions): Promise<RelayResult> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let usage: StreamUsage | null = null;
  let contentChunks = 0;
  let sawDone = false;
  let broken: GatewayError | undefined;

  const handleEvent = (event: string): string => {
    if (event.startsWith(DONE)) {
      sawDone = true;
      return `${DONE}\n\n`;
    }
    if (event.startsWith(':')) return `${event}\n\n`; // SSE comment / keep-alive
    if (!event.startsWith('data:')) {
      broken = malformed(options.upstreamUrl, 'an event without a data field');
      return '';
    }
    let chunk: { usage?: StreamUsage | null; choices?: unknown[]; error?: unknown };
    try {
      chunk = JSON.parse(event.slice(5)) as typeof chunk;
    } catch {
      broken = malformed(options.upstreamUrl, 'an event that is not JSON');
      return '';
    }
    if (chunk.error !== undefined) {
      broken = new GatewayError('upstream_error', `Ollama at ${options.upstreamUrl} reported an error mid-stream.`);
      return `${event}\n\n`;
    }
    if (chunk.usage && typeof chunk.usage === 'object') {
      usage = chunk.usage;
      const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0;
      if (usageOnly) return options.forwardUsage ? `${event}\n\n` : '';
      if (!options.forwardUsage) {
        contentChunks += 1;
        const { usage: _dropped, ...rest } = chunk;
        return `data: ${JSON.stringify(rest)}\n\n`;
      }
    }
    contentChunks += 1;
    return `${event}\n\n`;
  };

  try {
    for await (const buffer of body as AsyncIterable<Buffer>) {
      pending += decoder.write(buffer);
      const cut = pending.lastIndexOf('\n\n');
      if (cut === -1) continue;
      const complete = pending.slice(0, cut);
      pending = pending.slice(cut + 2);
      let out = '';
      for (const raw of complete.split('\n\n')) {
        const event = raw.replace(/^\n+/, '').replace(/\r/g, '');
        if (event.length > 0) out += handleEvent(event);
        if (broken || sawDone) break;
      }
      if (out.length > 0 && !res.write(out)) await drain(res, options);
      if (broken || sawDone) break;
    }
    pending += decoder.end();
    if (!broken && !sawDone && pending.trim().length > 0) {
      const out = handleEvent(pending.trim());
      if (out.length > 0) res.write(out);
    }
  } catch (err) {
    if (options.clientGone()) return { outcome: 'aborted', usage, contentChunks };
    broken = isTimeoutError(err)
      ? new GatewayError('upstream_timeout', `Ollama at ${options.upstreamUrl} stalled mid-stream (idle timeout).`)
      : new GatewayError('upstream_error', `Ollama at ${options.upstreamUrl} broke the stream: ${String(err)}.`);
  }
  if (options.clientGone()) return { outcome: 'aborted', usage, contentChunks };
  if (!broken && !sawDone) {
    broken = new GatewayError('upstream_error', `Ollama at ${options.upstreamUrl} ended the stream before [DONE].`);
  }
  if (broken) {
    res.end(sseErrorEvent(broken));
    body.destroy();
    return { outcome: 'error', usage, contentChunks, error: broken };
  }
  res.end();
  return { outcome: 'ok', usage, contentChunks };
}

function malformed(url: string, what: string): GatewayError {
  return new GatewayError('upstream_error', `Ollama at ${url} sent a malformed stream (${what}).`);
}

async function drain(res: ServerResponse, options: RelayOptions): Promise<void> {
  if (options.clientGone()) return;
  await Promise.race([once(res, 'drain'), once(res, 'close')]);
}
