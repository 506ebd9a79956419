// Relays an upstream SSE stream to the client event by event, as the bytes arrive (never buffered whole).
// It checks each event, takes the usage chunk out when the client did not ask for it (only that final chunk counts
// as usage), counts content chunks
// (the usage estimate when a stream is cut short), honours back-pressure, and ends a broken stream with
// a terminal error event instead of a silent hang.
import { StringDecoder } from 'node:string_decoder';
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import { isTimeoutError } from './pool.js';
import type { ResponseBody } from './exchange.js';

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

export function relaySse(body: ResponseBody, res: ServerResponse, options: RelayOptions): Promise<RelayResult> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let usage: StreamUsage | null = null;
  let contentChunks = 0;
  let sawDone = false;
  let broken: GatewayError | undefined;
  let finished = false;

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
      // Only the final usage chunk (`choices: []`) is the real count: with include_usage Ollama's /v1/completions
      // also puts an all-zero usage on every content chunk. A stream cut before the final chunk falls back to the
      // estimate (see the proxy), never to those zeros.
      const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0;
      if (usageOnly) {
        usage = chunk.usage;
        return options.forwardUsage ? `${event}\n\n` : '';
      }
      if (!options.forwardUsage) {
        contentChunks += 1;
        const { usage: _dropped, ...rest } = chunk;
        return `data: ${JSON.stringify(rest)}\n\n`;
      }
    }
    contentChunks += 1;
    return `${event}\n\n`;
  };

  /** Cleans one raw event: CRLF line ends and stray leading blank lines are tolerated. */
  const clean = (raw: string): string => {
    let event = raw.includes('\r') ? raw.replace(/\r/g, '') : raw;
    if (event.startsWith('\n')) event = event.replace(/^\n+/, '');
    return event;
  };

  return new Promise<RelayResult>((resolve) => {
    const complete = (): void => {
      if (finished) return;
      finished = true;
      if (options.clientGone()) {
        body.abort();
        resolve({ outcome: 'aborted', usage, contentChunks });
        return;
      }
      if (!broken && !sawDone) {
        broken = new GatewayError('upstream_error', `Ollama at ${options.upstreamUrl} ended the stream before [DONE].`);
      }
      if (broken) {
        res.end(sseErrorEvent(broken));
        body.abort();
        resolve({ outcome: 'error', usage, contentChunks, error: broken });
        return;
      }
      // After [DONE] the rest of the upstream body (normally nothing) is read and ignored, so its connection
      // stays reusable.
      res.end();
      resolve({ outcome: 'ok', usage, contentChunks });
    };

    const take = (text: string): void => {
      pending += text;
      const cut = pending.lastIndexOf('\n\n');
      if (cut === -1) return;
      const whole = pending.slice(0, cut);
      pending = pending.slice(cut + 2);
      let out = '';
      for (const raw of whole.split('\n\n')) {
        const event = clean(raw);
        if (event.length > 0) out += handleEvent(event);
        if (broken || sawDone) break;
      }
      if (out.length > 0 && !res.write(out) && !options.clientGone()) {
        body.pause();
        res.once('drain', () => body.resume());
      }
      if (broken || sawDone) complete();
    };

    body.consume({
      data: (chunk) => {
        if (!finished) take(decoder.write(chunk));
      },
      end: () => {
        if (finished) return;
        pending += decoder.end();
        const rest = pending.trim();
        if (!sawDone && rest.length > 0) {
          const out = handleEvent(clean(rest));
          if (out.length > 0) res.write(out);
        }
        complete();
      },
      error: (err) => {
        if (finished) return;
        if (!options.clientGone()) {
          broken = isTimeoutError(err)
            ? new GatewayError('upstream_timeout', `Ollama at ${options.upstreamUrl} stalled mid-stream (idle timeout).`)
            : new GatewayError('upstream_error', `Ollama at ${options.upstreamUrl} broke the stream: ${String(err)}.`);
        }
        complete();
      },
    });
  });
}

function malformed(url: string, what: string): GatewayError {
  return new GatewayError('upstream_error', `Ollama at ${url} sent a malformed stream (${what}).`);
}
