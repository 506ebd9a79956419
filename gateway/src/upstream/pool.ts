// The Ollama upstreams: keep-alive pooled HTTP (undici), health tracking, least-busy routing,
// and retry of connect failures on another upstream (safe: nothing reached the model, nothing reached the client).
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import type { Logger } from 'pino';
import type { GatewayError } from '../errors.js';
import { describe, isConnectError, upstreamFailures, upstreamName } from './failures.js';
import { ResponseBody } from './exchange.js';

export interface UpstreamTimeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

export interface Upstream {
  /** Its id in client-facing messages (`upstream N`, failures.ts): the URL stays internal. */
  readonly name: string;
  readonly url: string;
  readonly pool: Pool;
  inFlight: number;
  healthy: boolean;
  lastError: string | null;
  version: string | null;
  /** Health probes failed in a row (reset by any answer). */
  probeFailures: number;
  /** Requests to this upstream still waiting for their headers: each gives up when called. */
  readonly waiting: Set<(err: GatewayError) => void>;
}

/**
 * Consecutive failed health probes after which requests waiting on that upstream are given up. A non-streaming
 * answer may legitimately wait minutes for its headers; a wedged Ollama should be found in seconds, not at that
 * timeout.
 */
export const WEDGED_AFTER_PROBE_FAILURES = 2;

export interface UpstreamRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
  path: string;
  /** A stream (a blob upload relayed as it arrives) is sent once: no retry on another upstream. */
  body?: string | Buffer | Readable;
  /** Upstream URLs that have the model; undefined = any. */
  candidates?: readonly string[];
  /** Per-request timeouts (upstream/timeouts.ts); the pool's own when absent. */
  timeouts?: { headersMs: number; bodyMs: number; setting?: string };
}

export interface UpstreamResponse {
  upstream: Upstream;
  statusCode: number;
}

export interface UpstreamCall {
  /** Settles when the headers came; rejects (GatewayError) when no upstream answered. */
  response: Promise<UpstreamResponse>;
  body: ResponseBody;
}

const EMPTY_HEADERS: Record<string, string> = {};
const JSON_HEADERS: Record<string, string> = { 'content-type': 'application/json' };

export class UpstreamPool {
  readonly upstreams: Upstream[];
  private healthTimer: NodeJS.Timeout | undefined;

  constructor(
    urls: readonly string[],
    private readonly timeouts: UpstreamTimeouts,
    private readonly log: Logger,
  ) {
    this.upstreams = urls.map((url, index) => ({
      name: upstreamName(index),
      url,
      pool: new Pool(url, {
        connections: 256,
        pipelining: 1,
        connectTimeout: timeouts.connectMs,
        headersTimeout: timeouts.firstByteMs,
        bodyTimeout: timeouts.idleMs,
        keepAliveTimeout: 30_000,
      }),
      inFlight: 0,
      healthy: true,
      lastError: null,
      version: null,
      probeFailures: 0,
      waiting: new Set(),
    }));
  }

  /** The least-busy healthy upstream among the candidates; unhealthy ones only when no healthy one is left. */
  choose(candidates: readonly string[] | undefined, exclude: ReadonlySet<Upstream>): Upstream | undefined {
    let best: Upstream | undefined;
    for (const upstream of this.upstreams) {
      if (exclude.has(upstream)) continue;
      if (candidates && !candidates.includes(upstream.url)) continue;
      if (
        !best ||
        (upstream.healthy && !best.healthy) ||
        (upstream.healthy === best.healthy && upstream.inFlight < best.inFlight)
      ) {
        best = upstream;
      }
    }
    return best;
  }

  /**
   * Sends a request to the best upstream, moving on to the next when the connection cannot be made (nothing
   * reached a model, nothing reached the client). `response` settles at the headers; the body then flows
   * through `body`, and `body.abort()` stops the request at any point (a client that went away).
   */
  open(request: UpstreamRequest): UpstreamCall {
    const body = new ResponseBody();
    const replayable = request.body === undefined || typeof request.body === 'string' || Buffer.isBuffer(request.body);
    const response = new Promise<UpstreamResponse>((resolve, reject) => {
      const tried = new Set<Upstream>();
      const failures: { upstream: Upstream; err: unknown }[] = [];
      const attempt = (): void => {
        const upstream = this.choose(request.candidates, tried);
        if (!upstream) {
          reject(upstreamFailures.unreachable(failures));
          return;
        }
        tried.add(upstream);
        upstream.inFlight += 1;
        let started = false;
        let done = false;
        let givenUp: GatewayError | undefined;
        let controller: { abort(reason: Error): void } | undefined;
        const giveUp = (err: GatewayError): void => {
          givenUp = err;
          controller?.abort(err);
        };
        upstream.waiting.add(giveUp);
        const finish = () => {
          upstream.waiting.delete(giveUp);
          if (done) return;
          done = true;
          upstream.inFlight = Math.max(0, upstream.inFlight - 1);
        };
        upstream.pool.dispatch(
          {
            method: request.method,
            path: request.path,
            body: request.body ?? null,
            headers: request.body === undefined ? EMPTY_HEADERS : JSON_HEADERS,
            ...(request.timeouts
              ? { headersTimeout: request.timeouts.headersMs, bodyTimeout: request.timeouts.bodyMs }
              : {}),
          },
          {
            onRequestStart: (dispatchController) => {
              controller = dispatchController;
              body.attach(dispatchController);
              if (givenUp) dispatchController.abort(givenUp); // given up while queued for a connection
            },
            onResponseStart: (_controller, statusCode) => {
              if (statusCode < 200) return; // 1xx: the real answer follows
              started = true;
              upstream.waiting.delete(giveUp);
              this.markHealthy(upstream);
              resolve({ upstream, statusCode });
            },
            onResponseData: (_controller, chunk) => body.push({ kind: 'data', chunk }),
            onResponseEnd: () => {
              finish();
              body.push({ kind: 'end' });
            },
            onResponseError: (_controller, err) => {
              finish();
              if (givenUp && !started) return reject(givenUp); // its upstream failed its health checks
              if (started) {
                body.push({ kind: 'error', err });
                return;
              }
              if (body.wasAborted) {
                reject(err);
              } else if (isConnectError(err)) {
                this.markUnhealthy(upstream, err);
                failures.push({ upstream, err });
                if (replayable) attempt();
                else reject(upstreamFailures.unreachable(failures));
              } else {
                reject(upstreamFailures.beforeAnswer(upstream, err, request.timeouts?.setting));
              }
            },
          },
        );
      };
      attempt();
    });
    return { response, body };
  }

  /** GET a JSON document from one upstream (catalog and health use; not the hot path). */
  async fetchJson(upstream: Upstream, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const response = await upstream.pool.request({
      method,
      path,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      headersTimeout: Math.min(this.timeouts.firstByteMs, 10_000),
      bodyTimeout: Math.min(this.timeouts.idleMs, 10_000),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      throw new Error(`${method} ${upstream.url}${path} answered ${response.statusCode}: ${text.slice(0, 200)}`);
    }
    return JSON.parse(text) as unknown;
  }

  /** Asks one upstream for its version; updates its health. */
  async probe(upstream: Upstream): Promise<boolean> {
    try {
      const body = (await this.fetchJson(upstream, 'GET', '/api/version')) as { version?: unknown };
      upstream.version = typeof body.version === 'string' ? body.version : null;
      this.markHealthy(upstream);
      return true;
    } catch (err) {
      this.markUnhealthy(upstream, err);
      upstream.probeFailures += 1;
      // An Ollama that is busy generating still answers /api/version at once; one that does not is wedged or gone,
      // so requests waiting on it would only wait for their (long) timeout.
      if (upstream.probeFailures >= WEDGED_AFTER_PROBE_FAILURES && upstream.waiting.size > 0) {
        const reason = upstreamFailures.wedged(upstream, err);
        for (const giveUp of [...upstream.waiting]) giveUp(reason);
      }
      return false;
    }
  }

  startHealthChecks(intervalMs = 5_000): void {
    this.healthTimer = setInterval(() => {
      for (const upstream of this.upstreams) void this.probe(upstream);
    }, intervalMs);
    this.healthTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.healthTimer);
    await Promise.all(this.upstreams.map((upstream) => upstream.pool.close().catch(() => upstream.pool.destroy())));
  }

  private markHealthy(upstream: Upstream): void {
    if (!upstream.healthy) this.log.info({ upstream: upstream.url }, 'upstream is reachable again');
    upstream.healthy = true;
    upstream.lastError = null;
    upstream.probeFailures = 0;
  }

  private markUnhealthy(upstream: Upstream, err: unknown): void {
    if (upstream.healthy) this.log.warn({ upstream: upstream.url, err: describe(err) }, 'upstream unreachable');
    upstream.healthy = false;
    upstream.lastError = describe(err);
  }
}
