// Prometheus metrics of one gateway instance (its own registry, so several gateways can share a process in tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A route's metric children, bound once: prom-client hashes label objects on every unbound call. */
interface RouteMetrics {
  statuses: Map<number, { inc(): void }>;
  duration: { observe(value: number): void };
  overhead: { observe(value: number): void };
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly overhead: Histogram<'route'>;
  readonly tokens: Counter<'model' | 'kind'>;
  readonly rateLimited: Counter<'type'>;
  readonly activeStreams: Gauge;
  readonly keyCache: Counter<'result'>;
  readonly limiterErrors: Counter;
  readonly usageBuffered: Gauge;
  readonly usageDropped: Counter;
  readonly usageWritten: Counter;
  readonly responseCache: Counter<'result'>;

  private readonly routes = new Map<string, RouteMetrics>();
  /** The usage recorder's buffer size, read when metrics are scraped (the recorder sets it). */
  usageBufferSize: () => number = () => 0;
  /** Each Ollama host's name and whether routing sees it healthy (read at scrape time; set by the server). */
  upstreamStates: () => Array<{ name: string; healthy: boolean }> = () => [];
  private readonly lookups = new Map<string, { inc(): void }>();
  private readonly tokenCounters = new Map<
    string,
    { prompt: { inc(n: number): void }; completion: { inc(n: number): void } }
  >();

  /** One key-cache lookup (hit / miss / stale), through a bound child. */
  keyLookup(result: string): void {
    let counter = this.lookups.get(result);
    if (!counter) {
      counter = this.keyCache.labels(result);
      this.lookups.set(result, counter);
    }
    counter.inc();
  }

  /** Tokens of one answer, through bound children per model (the model set is small and bounded by the catalog). */
  countTokens(model: string, prompt: number, completion: number): void {
    let counters = this.tokenCounters.get(model);
    if (!counters) {
      counters = { prompt: this.tokens.labels(model, 'prompt'), completion: this.tokens.labels(model, 'completion') };
      this.tokenCounters.set(model, counters);
    }
    if (prompt > 0) counters.prompt.inc(prompt);
    if (completion > 0) counters.completion.inc(completion);
  }

  /** Counts one answered request: status, total time, and the gateway's own share of it. */
  observeRequest(route: string, status: number, totalSeconds: number, overheadSeconds: number | null): void {
    let bound = this.routes.get(route);
    if (!bound) {
      bound = { statuses: new Map(), duration: this.duration.labels(route), overhead: this.overhead.labels(route) };
      this.routes.set(route, bound);
    }
    let counter = bound.statuses.get(status);
    if (!counter) {
      counter = this.requests.labels(route, String(status));
      bound.statuses.set(status, counter);
    }
    counter.inc();
    bound.duration.observe(totalSeconds);
    if (overheadSeconds !== null) bound.overhead.observe(overheadSeconds);
  }

  constructor(instance: string, withProcessMetrics = true) {
    this.registry.setDefaultLabels({ instance });
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'llmgw_' });
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'llmgw_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'llmgw_http_request_duration_seconds',
      help: 'Time from request arrival to the last byte of the answer',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.overhead = new Histogram({
      name: 'llmgw_gateway_overhead_seconds',
      help: 'Time spent in the gateway itself (request time not spent waiting on Ollama)',
      labelNames: ['route'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers,
    });
    this.tokens = new Counter({
      name: 'llmgw_tokens_total',
      help: 'Tokens processed, by model and kind (prompt/completion)',
      labelNames: ['model', 'kind'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'llmgw_rate_limited_total',
      help: 'Requests refused by a rate limit, by limit type',
      labelNames: ['type'],
      registers,
    });
    this.activeStreams = new Gauge({ name: 'llmgw_active_streams', help: 'SSE streams being relayed now', registers });
    this.keyCache = new Counter({
      name: 'llmgw_key_cache_lookups_total',
      help: 'API key lookups by result (hit, miss, stale = served from cache while the store was down)',
      labelNames: ['result'],
      registers,
    });
    this.limiterErrors = new Counter({
      name: 'llmgw_limiter_errors_total',
      help: 'Rate-limit checks that failed because the limiter backend was unreachable (alarm)',
      registers,
    });
    // Read at scrape time: setting it on every request cost a label hash per request.
    const usageBufferSize = () => this.usageBufferSize();
    this.usageBuffered = new Gauge({
      name: 'llmgw_usage_buffered_rows',
      help: 'Usage rows waiting to be written',
      registers,
      collect() {
        this.set(usageBufferSize());
      },
    });
    this.usageDropped = new Counter({
      name: 'llmgw_usage_dropped_total',
      help: 'Usage rows dropped because the buffer was full while the store was down',
      registers,
    });
    this.usageWritten = new Counter({ name: 'llmgw_usage_written_total', help: 'Usage rows written', registers });
    const upstreamStates = () => this.upstreamStates();
    new Gauge({
      name: 'llmgw_upstream_up',
      help: 'Whether this replica sees the Ollama host healthy (1) or unreachable (0), by host name (not URL)',
      labelNames: ['upstream'],
      registers,
      collect() {
        this.reset();
        for (const { name, healthy } of upstreamStates()) this.set({ upstream: name }, healthy ? 1 : 0);
      },
    });
    this.responseCache = new Counter({
      name: 'llmgw_response_cache_total',
      help: 'Opted-in requests by response-cache result (hit, miss, skip = not cacheable), and answers stored',
      labelNames: ['result'],
      registers,
    });
  }
}
