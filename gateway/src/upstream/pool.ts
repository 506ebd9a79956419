// The Ollama upstreams: keep-alive pooled HTTP (undici), health tracking, routing like a scheduler (routing.ts: warm
// host first, then the least busy, honouring each host's parallelism), and retry on another upstream of a connect
// failure or Ollama's 503 "server busy" (safe: nothing reached the model, nothing reached the client; the request was
// admitted and is accounted once, whichever host answers).
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import type { Logger } from 'pino';
import type { GatewayError } from '../errors.js';
import { describe, isConnectError, upstreamFailures, upstreamName } from './failures.js';
import { ResponseBody } from './exchange.js';
import { modelKey } from './model-name.js';
import { BUSY_BACKOFF_MS, tier, type HostLoad, type LoadedModel } from './routing.js';

export interface UpstreamTimeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

export interface Upstream extends HostLoad {
  /** Its id in client-facing messages (`upstream N`, failures.ts): the URL stays internal. */
  readonly name: string;
  readonly url: string;
  readonly pool: Pool;
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

/**
 * How long a model this replica just saw answered on a host counts as loaded there before /api/ps confirms it
 * (Ollama's default OLLAMA_KEEP_ALIVE, 5 min; the next refresh replaces it with Ollama's own expiry).
 */
const LEARNED_KEEP_ALIVE_MS = 5 * 60_000;

/** A host's state for operators (admin API, dashboard): what routing sees. */
export interface UpstreamView {
  name: string;
  url: string;
  healthy: boolean;
  version: string | null;
  lastError: string | null;
  /** Requests in flight from this replica. */
  inFlight: number;
  parallel: number | null;
  /** Answered 503 "server busy" within the last BUSY_BACKOFF_MS. */
  busy: boolean;
  loaded: Array<{
    name: string;
    expiresAt: string;
    sizeVram: number | null;
    contextLength: number | null;
    inFlight: number;
    saturated: boolean;
  }>;
}

export interface UpstreamRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
  path: string;
  /** A stream (a blob upload relayed as it arrives) is sent once: no retry on another upstream. */
  body?: string | Buffer | Readable;
  /** Upstream URLs that have the model; undefined = any. */
  candidates?: readonly string[];
  /** The model (as the catalog lists it) an inference request runs: routing prefers a host that has it loaded. */
  model?: string;
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
  private readonly reachable = new Set<(upstream: Upstream) => void>();

  constructor(
    urls: readonly string[],
    private readonly timeouts: UpstreamTimeouts,
    private readonly log: Logger,
    /** Per-host parallelism hints (UPSTREAM_NUM_PARALLEL): one for all, or one per URL; 0 = none. */
    parallel: readonly number[] = [],
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
      inFlightByModel: new Map(),
      parallel: (parallel.length === 1 ? parallel[0] : parallel[index]) || null,
      busyUntil: 0,
      loaded: new Map(),
      healthy: true,
      lastError: null,
      version: null,
      probeFailures: 0,
      waiting: new Set(),
    }));
  }

  /**
   * The best upstream among the candidates for a request on `model` (its key), in routing.ts's order: healthy, not
   * just busy, below its parallelism, model loaded, fewest in flight.
   */
  choose(
    candidates: readonly string[] | undefined,
    exclude: ReadonlySet<Upstream>,
    model?: string,
    now = Date.now(),
  ): Upstream | undefined {
    let best: Upstream | undefined;
    let bestTier = Infinity;
    for (const upstream of this.upstreams) {
      if (exclude.has(upstream)) continue;
      if (candidates && !candidates.includes(upstream.url)) continue;
      const rank = tier(upstream, model, now);
      if (rank < bestTier || (rank === bestTier && upstream.inFlight < best!.inFlight)) {
        best = upstream;
        bestTier = rank;
      }
    }
    return best;
  }

  /** Every host as routing sees it now. */
  views(now = Date.now()): UpstreamView[] {
    return this.upstreams.map((upstream) => ({
      name: upstream.name,
      url: upstream.url,
      healthy: upstream.healthy,
      version: upstream.version,
      lastError: upstream.lastError,
      inFlight: upstream.inFlight,
      parallel: upstream.parallel,
      busy: upstream.busyUntil > now,
      loaded: [...upstream.loaded]
        .filter(([, model]) => model.expiresAt > now)
        .map(([key, model]) => {
          const inFlight = upstream.inFlightByModel.get(key) ?? 0;
          return {
            name: model.name,
            expiresAt: new Date(model.expiresAt).toISOString(),
            sizeVram: model.sizeVram,
            contextLength: model.contextLength,
            inFlight,
            saturated: upstream.parallel !== null && inFlight >= upstream.parallel,
          };
        }),
    }));
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
      const key = request.model === undefined ? undefined : modelKey(request.model);
      const attempt = (): void => {
        const upstream = this.choose(request.candidates, tried, key);
        if (!upstream) {
          reject(upstreamFailures.unreachable(failures));
          return;
        }
        tried.add(upstream);
        upstream.inFlight += 1;
        if (key !== undefined) upstream.inFlightByModel.set(key, (upstream.inFlightByModel.get(key) ?? 0) + 1);
        let started = false;
        let done = false;
        /** Ollama answered 503 "server busy" and another host is left: this answer is dropped, the next host tried. */
        let busy = false;
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
          if (key !== undefined) {
            const left = (upstream.inFlightByModel.get(key) ?? 1) - 1;
            if (left > 0) upstream.inFlightByModel.set(key, left);
            else upstream.inFlightByModel.delete(key);
          }
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
              upstream.waiting.delete(giveUp);
              this.markHealthy(upstream);
              if (
                statusCode === 503 &&
                replayable &&
                !body.wasAborted &&
                // Only towards a host that answers: an unreachable one would turn Ollama's clear 503 into a connect error.
                this.choose(request.candidates, tried, key)?.healthy === true
              ) {
                // Its queue is full (OLLAMA_MAX_QUEUE): nothing ran, so the next host may take the request.
                busy = true;
                upstream.busyUntil = Date.now() + BUSY_BACKOFF_MS;
                this.log.debug({ upstream: upstream.url }, 'upstream answered 503 (busy); trying the next one');
                return;
              }
              started = true;
              if (key !== undefined && statusCode === 200) this.learnLoaded(upstream, key, request.model!);
              resolve({ upstream, statusCode });
            },
            onResponseData: (_controller, chunk) => {
              if (!busy) body.push({ kind: 'data', chunk });
            },
            onResponseEnd: () => {
              finish();
              if (busy)
                attempt(); // the busy answer was read to its end: its connection is reused
              else body.push({ kind: 'end' });
            },
            onResponseError: (_controller, err) => {
              finish();
              if (busy) {
                if (body.wasAborted) reject(err);
                else attempt();
                return;
              }
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

  /**
   * The host answered an inference request on the model, so Ollama has it loaded now; routing knows at once rather
   * than at the next /api/ps refresh (which replaces this with Ollama's own expiry, or drops it after a keep_alive 0).
   */
  private learnLoaded(upstream: Upstream, key: string, name: string): void {
    const now = Date.now();
    const known = upstream.loaded.get(key);
    upstream.loaded.set(key, {
      name: known?.name ?? name,
      expiresAt: Math.max(known?.expiresAt ?? 0, now + LEARNED_KEEP_ALIVE_MS),
      sizeVram: known?.sizeVram ?? null,
      contextLength: known?.contextLength ?? null,
      learnedAt: now,
    });
  }

  /** Replaces a host's loaded models with what its /api/ps said at `at` (ms), keeping what was learned since. */
  setLoaded(upstream: Upstream, models: readonly Omit<LoadedModel, 'learnedAt'>[], at: number): void {
    const next = new Map<string, LoadedModel>();
    for (const model of models) next.set(modelKey(model.name), { ...model, learnedAt: 0 });
    for (const [key, model] of upstream.loaded) {
      if (model.learnedAt > at && !next.has(key)) next.set(key, model);
    }
    upstream.loaded = next;
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

  /** Calls `listener` whenever an unreachable upstream answers again (e.g. to re-read the model list it serves). */
  onReachable(listener: (upstream: Upstream) => void): void {
    this.reachable.add(listener);
  }

  private markHealthy(upstream: Upstream): void {
    const recovered = !upstream.healthy;
    upstream.healthy = true;
    upstream.lastError = null;
    upstream.probeFailures = 0;
    if (!recovered) return;
    this.log.info({ upstream: upstream.url }, 'upstream is reachable again');
    for (const listener of this.reachable) listener(upstream);
  }

  private markUnhealthy(upstream: Upstream, err: unknown): void {
    if (upstream.healthy) this.log.warn({ upstream: upstream.url, err: describe(err) }, 'upstream unreachable');
    upstream.healthy = false;
    upstream.lastError = describe(err);
  }
}
