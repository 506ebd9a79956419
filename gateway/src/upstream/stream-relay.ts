// Relays an upstream stream to the client event by event, as the bytes arrive (never buffered whole), in either
// framing: SSE (events end with a blank line) or NDJSON (one JSON object per line). The endpoint's reader checks
// each event, reads usage and may rewrite or drop it; the relay honours back-pressure and ends a broken stream
// (malformed event, early end, idle timeout, socket error) with a terminal error in the protocol's own framing
// instead of a silent hang. beforeFinal runs just before the bytes that complete a good stream are written (the
// usage row goes out first: see routes/proxy.ts).
import { StringDecoder } from 'node:string_decoder';
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import { upstreamFailures, type UpstreamRef } from './failures.js';
import type { ResponseBody } from './exchange.js';
import type { Framing, Protocol, StreamReader } from '../protocols/types.js';

export interface RelayResult {
  outcome: 'ok' | 'error' | 'aborted';
  error?: GatewayError;
}

export interface RelayOptions {
  framing: Framing;
  reader: StreamReader;
  protocol: Protocol;
  upstream: UpstreamRef;
  /** True once the client went away (its socket closed). */
  clientGone: () => boolean;
  /** The stream is ended with a stream_time_limit error event once it has run this long (MAX_STREAM_DURATION_MS). */
  maxDurationMs?: number;
  /** Called once, synchronously, before the write that carries a good stream's final event (or its end). */
  beforeFinal?: () => void;
  /** Receives each piece of event text written to the client (the response cache keeps a good stream's events). */
  record?: (text: string) => void;
}

export function relayStream(body: ResponseBody, res: ServerResponse, options: RelayOptions): Promise<RelayResult> {
  const { reader } = options;
  const separator = options.framing === 'sse' ? '\n\n' : '\n';
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let broken: GatewayError | undefined;
  let finished = false;

  /** CRLF line ends and stray leading blank lines are tolerated. */
  const clean = (raw: string): string => {
    let event = raw.includes('\r') ? raw.replace(/\r/g, '') : raw;
    if (event.startsWith('\n')) event = event.replace(/^\n+/, '');
    return event;
  };

  const handle = (raw: string): string => {
    const event = clean(raw);
    if (event.trim().length === 0) return '';
    try {
      return reader.take(event);
    } catch (err) {
      broken = upstreamFailures.malformedStream(options.upstream, err);
      return '';
    }
  };

  const stop = () => broken !== undefined || reader.finished || reader.upstreamError !== null;

  let finalAnnounced = false;
  const announceFinal = (): void => {
    if (finalAnnounced || !reader.finished || broken || reader.upstreamError !== null) return;
    finalAnnounced = true;
    options.beforeFinal?.();
  };

  return new Promise<RelayResult>((resolve) => {
    let limitTimer: NodeJS.Timeout | undefined;
    const complete = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(limitTimer);
      if (options.clientGone()) {
        body.abort();
        resolve({ outcome: 'aborted' });
        return;
      }
      if (reader.upstreamError !== null) {
        // The upstream's own error event was forwarded: it is the stream's terminal event.
        res.end();
        body.abort();
        const error = upstreamFailures.streamReported(options.upstream, reader.upstreamError);
        resolve({ outcome: 'error', error });
        return;
      }
      if (!broken && !reader.finished) {
        broken = upstreamFailures.streamCut(options.upstream);
      }
      if (broken) {
        res.end(options.protocol.streamError(broken));
        body.abort();
        resolve({ outcome: 'error', error: broken });
        return;
      }
      // After the final event the rest of the upstream body (normally nothing) is read and ignored, so its
      // connection stays reusable.
      announceFinal();
      res.end();
      resolve({ outcome: 'ok' });
    };

    const take = (text: string): void => {
      pending += text;
      const cut = pending.lastIndexOf(separator);
      if (cut === -1) return;
      const whole = pending.slice(0, cut);
      pending = pending.slice(cut + separator.length);
      let out = '';
      for (const raw of whole.split(separator)) {
        out += handle(raw);
        if (stop()) break;
      }
      announceFinal();
      if (out.length > 0) options.record?.(out);
      if (out.length > 0 && !res.write(out) && !options.clientGone()) {
        body.pause();
        res.once('drain', () => body.resume());
      }
      if (stop()) complete();
    };

    if (options.maxDurationMs !== undefined) {
      const seconds = Math.round(options.maxDurationMs / 1000);
      limitTimer = setTimeout(() => {
        broken ??= new GatewayError(
          'stream_time_limit',
          `The stream reached the gateway's maximum duration (${seconds}s, MAX_STREAM_DURATION_MS); continue in a new request.`,
        );
        complete();
      }, options.maxDurationMs);
    }

    body.consume({
      data: (chunk) => {
        if (!finished) take(decoder.write(chunk));
      },
      end: () => {
        if (finished) return;
        pending += decoder.end();
        if (!stop() && pending.trim().length > 0) {
          const out = handle(pending);
          announceFinal();
          if (out.length > 0) {
            options.record?.(out);
            res.write(out);
          }
        }
        complete();
      },
      error: (err) => {
        if (finished) return;
        if (!options.clientGone()) {
          broken = upstreamFailures.midBody(options.upstream, err, true);
        }
        complete();
      },
    });
  });
}

/**
 * Passes an upstream body through unchanged, with back-pressure (pull progress, management answers): nothing
 * to read in it, so no framing checks.
 */
export function pipeBody(
  body: ResponseBody,
  res: ServerResponse,
  clientGone: () => boolean,
): Promise<'ok' | 'error' | 'aborted'> {
  return new Promise((resolve) => {
    body.consume({
      data: (chunk) => {
        if (!res.write(chunk) && !clientGone()) {
          body.pause();
          res.once('drain', () => body.resume());
        }
      },
      end: () => {
        res.end();
        resolve('ok');
      },
      error: () => {
        if (clientGone()) {
          resolve('aborted');
          return;
        }
        res.destroy();
        resolve('error');
      },
    });
  });
}
