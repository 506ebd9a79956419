// One gateway instance: wires the parts, serves HTTP, and shuts down without losing streams or usage
// (stop accepting → finish in-flight requests within the timeout → flush usage → close backends).
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import type { GatewayDeps } from './deps.js';
import { ReplicaGate } from './limits/replica-gate.js';
import { AuthThrottle } from './auth/auth-throttle.js';
import { clientAddressResolver } from './http/client-address.js';
import { createLogger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import { openBackends, type Backends } from './backends.js';
import { KeyCache } from './auth/key-cache.js';
import { UpstreamPool } from './upstream/pool.js';
import { ModelCatalog } from './upstream/catalog.js';
import { LoadedModels } from './upstream/loaded-models.js';
import { UsageRecorder } from './usage/recorder.js';
import { Responder } from './http/respond.js';
import { CorsPolicy } from './http/cors.js';
import { createContext, type RequestContext } from './http/context.js';
import { createGatewayApp } from './http/app.js';
import { withFastLane } from './http/fast-lane.js';
import { accessLogger, logAccess } from './http/access-log.js';
import { GatewayError } from './errors.js';
import { createResponseCache } from './response-cache/index.js';

export interface Gateway {
  readonly deps: GatewayDeps;
  readonly server: Server;
  /** Base URL once listening, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  readonly metricsUrl: string | null;
  /** Graceful stop; safe to call twice. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  log?: Logger;
  /** Injected backends (tests share one store between instances); otherwise opened from the config. */
  backends?: Backends;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const instance = config.INSTANCE_ID;
  const log = options.log ?? createLogger(config.LOG_LEVEL, instance);
  const metrics = new GatewayMetrics(instance);
  // eslint-disable-next-line prefer-const -- the backends' callback closes over it before it is assigned
  let keys: KeyCache | undefined;
  const backends = options.backends ?? (await openBackends(config, log, () => keys?.clear()));
  const { store, limiter, shared, journal } = backends;
  keys = new KeyCache({
    store,
    shared,
    log,
    ttlMs: config.KEY_CACHE_TTL_MS,
    staleMaxMs: config.KEY_STALE_MAX_MS,
    unknownLookupsPerS: config.UNKNOWN_KEY_LOOKUPS_PER_S,
    refreshMs: config.KEY_SET_REFRESH_MS,
    // With a shared Redis every key writer (admin API, CLI) announces on the channel; without one the CLI writes
    // the store directly and nothing is announced.
    announcedWrites: shared.kind === 'redis',
    onLookup: (result) => metrics.keyLookup(result),
  });
  await keys.start();
  const upstreams = new UpstreamPool(
    config.OLLAMA_URLS,
    {
      connectMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      firstByteMs: config.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      idleMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
    },
    log,
    config.UPSTREAM_NUM_PARALLEL,
  );
  upstreams.startHealthChecks(config.UPSTREAM_HEALTH_INTERVAL_MS);
  metrics.upstreamStates = () => upstreams.views().map(({ name, healthy }) => ({ name, healthy }));
  // Not awaited: a host that does not answer must not hold the start up; routing waits for nothing either.
  const loadedModels = new LoadedModels(upstreams, shared, config.UPSTREAM_PS_INTERVAL_MS, log);
  void loadedModels.start();
  const usage = new UsageRecorder(
    store,
    {
      batchSize: config.USAGE_BATCH_SIZE,
      intervalMs: config.USAGE_FLUSH_INTERVAL_MS,
      maxBuffered: config.USAGE_BUFFER_MAX,
    },
    metrics,
    log,
    limiter,
    journal,
  );
  usage.start();

  let draining = false;
  const cors = new CorsPolicy(config.CORS_ORIGINS);
  const respond = new Responder({
    instance,
    cors: (ctx) => cors.headersFor(ctx.req),
    closing: () => draining,
  });
  const catalog = new ModelCatalog(
    upstreams,
    shared,
    config.MODELS_CACHE_TTL_S,
    log,
    config.OLLAMA_DEFAULT_CONTEXT_LENGTH,
  );
  // A host that was down when the model list was read serves nothing until the list is read again: read it now.
  upstreams.onReachable(() => void catalog.refresh().catch(() => undefined));
  const deps: GatewayDeps = {
    config,
    instance,
    log,
    metrics,
    store,
    limiter,
    shared,
    keys,
    catalog,
    upstreams,
    usage,
    responseCache: createResponseCache(config, shared, log, metrics),
    respond,
    cors,
    gate: new ReplicaGate(config.MAX_CONCURRENT_REQUESTS),
    authFailures: new AuthThrottle(config.AUTH_FAILURE_BURST, config.AUTH_FAILURE_PER_S),
    clientAddress: clientAddressResolver(config.TRUSTED_PROXIES),
    startedAt: Date.now(),
    draining: () => draining,
  };

  const accessLog = config.ACCESS_LOG ? accessLogger(log) : null;
  let inFlight = 0;
  let onIdle: (() => void) | undefined;
  const server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 15_000, requestTimeout: 60_000 });
  const begin = (req: http.IncomingMessage, res: http.ServerResponse): RequestContext => {
    const ctx = createContext(req, res, config.TRUST_REQUEST_ID);
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      observe(ctx, deps, accessLog);
      if (inFlight === 0) onIdle?.();
    });
    return ctx;
  };
  const app = createGatewayApp(deps, begin);
  server.on('request', config.FAST_LANE ? withFastLane(app, deps, begin) : app);
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP never reaches a route: answer in the envelope when the socket still takes it.
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const error = new GatewayError(
      tooLarge ? 'request_too_large' : 'invalid_request',
      tooLarge ? 'Request headers are too large.' : 'Malformed HTTP request.',
    );
    const body = JSON.stringify(error.toEnvelope());
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(
      `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `x-instance: ${instance}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  await listen(server, config.PORT, config.HOST);

  let metricsServer: Server | undefined;
  if (config.METRICS_PORT > 0) {
    metricsServer = http.createServer((req, res) => {
      void metrics.registry.metrics().then((text) => {
        res.writeHead(req.url === '/metrics' ? 200 : 404, { 'content-type': metrics.registry.contentType });
        res.end(req.url === '/metrics' ? text : '');
      });
    });
    await listen(metricsServer, config.METRICS_PORT, config.METRICS_HOST);
  }

  const url = `http://${hostForUrl(config.HOST)}:${(server.address() as AddressInfo).port}`;
  const metricsUrl = metricsServer
    ? `http://${hostForUrl(config.METRICS_HOST)}:${(metricsServer.address() as AddressInfo).port}/metrics`
    : null;
  log.info({ url, store: store.kind, limiter: limiter.kind, upstreams: config.OLLAMA_URLS }, 'gateway listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      draining = true;
      log.info({ inFlight }, 'draining: no new connections, finishing in-flight requests');
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (onIdle = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, config.SHUTDOWN_TIMEOUT_MS).unref()),
        ]);
      }
      server.closeAllConnections();
      await stopped;
      await usage.stop();
      metricsServer?.close();
      loadedModels.stop();
      await Promise.allSettled([keys.stop(), upstreams.close()]);
      await Promise.allSettled([limiter.close(), shared.close(), store.close()]);
      log.info('gateway stopped');
    })();
    return closing;
  };

  return { deps, server, url, metricsUrl, close };
}

function observe(ctx: RequestContext, deps: GatewayDeps, accessLog: Logger | null): void {
  const totalNs = process.hrtime.bigint() - ctx.startedAt;
  deps.metrics.observeRequest(
    ctx.route,
    ctx.res.statusCode,
    Number(totalNs) / 1e9,
    ctx.upstreamNs > 0n ? Number(totalNs - ctx.upstreamNs) / 1e9 : null,
  );
  if (accessLog) logAccess(accessLog, ctx, totalNs);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
