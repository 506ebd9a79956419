// The gateway's configuration: every environment variable, validated once at start.
// A bad value stops the process with a message naming the variable; nothing else reads process.env.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

/** How much of an oversize body is still read before its 413 (see http/body.ts); the config's defaults. */
export const DEFAULT_BODY_LINGER = { lingerMs: 10_000, lingerBytes: 128 * 1024 * 1024 } as const;

/** "a, b,,c" → ["a", "b", "c"]: the one reading of every comma-separated variable. */
const commaParts = (value: string): string[] =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

const urlList = z
  .string()
  .transform(commaParts)
  .pipe(
    z
      .array(z.url({ protocol: /^https?$/, error: 'must be http(s) URLs separated by commas' }))
      .min(1, 'needs at least one URL'),
  )
  .transform((urls) => urls.map((url) => url.replace(/\/+$/, '')));

/** Per-host parallelism hints: one number for every host, or one per OLLAMA_URLS entry; 0 = no hint for that host. */
const parallelList = z
  .string()
  .regex(/^\s*\d{1,5}\s*(,\s*\d{1,5}\s*)*$/, 'must be whole numbers (0 = no hint) separated by commas')
  .transform((value) => value.split(',').map((part) => Number(part.trim())));

const originList = z
  .string()
  .transform(commaParts)
  .refine((origins) => origins.length > 0, 'needs "*" or at least one origin')
  .refine(
    (origins) => origins.every((origin) => origin === '*' || /^https?:\/\/[^/\s]+$/.test(origin)),
    'each origin must look like http(s)://host[:port] with no path, or be "*"',
  );

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Separate port for /metrics (0 = serve /metrics on the main port, admin token required). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Where METRICS_PORT listens (it has no token): loopback unless set; the stack sets its private network. */
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  INSTANCE_ID: z.string().min(1).max(64).default(os.hostname()),
  OLLAMA_URLS: urlList.default(['http://127.0.0.1:11434']),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for embedded SQLite)')
    .optional(),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be a plain lowercase identifier')
    .optional(),
  SQLITE_PATH: z.string().min(1).default(path.join(process.cwd(), 'llm-gateway.db')),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /**
   * REDIS_URL names a Redis Cluster: its host is one seed node, the URL's credentials and TLS apply to every
   * node, and the client discovers the others (CLUSTER SLOTS). Redis Sentinel is not supported.
   */
  REDIS_CLUSTER: booleanFlag.default(false),
  /** More seed nodes of the cluster (host:port, comma-separated), so a start does not depend on one node. */
  REDIS_CLUSTER_NODES: z
    .string()
    .default('')
    .transform(commaParts)
    .pipe(
      z.array(
        z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^\s:/[\]]+):\d{1,5}$/, 'must be host:port entries separated by commas'),
      ),
    ),
  REDIS_PREFIX: z.string().min(1).default('llmgw:'),
  CORS_ORIGINS: originList.default(['*']),
  MAX_BODY_BYTES: positiveInt(1024 * 1024),
  DEFAULT_RPM: positiveInt(60),
  DEFAULT_TPM: positiveInt(100_000),
  /** Requests one key may have in flight at once (streams included), summed over replicas; per key: max_concurrent. */
  DEFAULT_MAX_CONCURRENT: positiveInt(8),
  /**
   * Inference requests in flight on this replica, all keys together; over it → 503 with retry-after. Below undici's
   * 256 connections per upstream, so a full replica answers at once instead of queueing into a hang.
   */
  MAX_CONCURRENT_REQUESTS: positiveInt(200),
  /** A stream is ended (with the protocol's error event) once it has run this long; bounds how long a slot is held. */
  MAX_STREAM_DURATION_MS: positiveInt(900_000),
  /** Lifetime of an in-flight slot in Redis without renewal: a crashed replica's slots come back after this. */
  CONCURRENCY_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Tokens reserved for the completion when a request gives no max_tokens. */
  DEFAULT_COMPLETION_RESERVE: positiveInt(1024),
  /** What to do when Redis (limits) is unreachable: open = admit and raise an alarm metric, closed = 503. */
  LIMITS_FAIL_MODE: z.enum(['open', 'closed']).default('open'),
  KEY_CACHE_TTL_MS: positiveInt(60_000),
  /** While the key store is down, a cached key keeps working this long past its TTL; then 503. */
  KEY_STALE_MAX_MS: nonNegativeInt(600_000),
  /** Keys missing from the in-memory set of known hashes are looked up at most this often (per second, per replica). */
  UNKNOWN_KEY_LOOKUPS_PER_S: nonNegativeInt(5),
  /** The set of known key hashes is rebuilt from the store this often (0 = only at start). */
  KEY_SET_REFRESH_MS: nonNegativeInt(60_000),
  /** Failed authentications per client address: a burst of this many, then 429 until they refill at the rate below. */
  AUTH_FAILURE_BURST: positiveInt(30),
  AUTH_FAILURE_PER_S: z.coerce.number().nonnegative().default(1),
  /**
   * Addresses (IPs, CIDRs or host names, comma-separated) of the proxies whose X-Real-IP / X-Forwarded-For name the client
   * (the stack's nginx). Empty: the socket's address is the client.
   */
  TRUSTED_PROXIES: z.string().default('').transform(commaParts),
  MODELS_CACHE_TTL_S: positiveInt(300),
  /** The context Ollama runs a model with unless told otherwise (its OLLAMA_CONTEXT_LENGTH; Ollama's default 4096). */
  OLLAMA_DEFAULT_CONTEXT_LENGTH: positiveInt(4096),
  // Timeouts towards Ollama (README "Timeouts" says what each covers). Ollama sends a non-streaming answer's
  // headers only once the whole answer is generated, and a stream's headers with its first token.
  UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt(5_000),
  /** Streams: until the first token (model load and prompt processing included). */
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: positiveInt(300_000),
  /**
   * Non-streaming answers: until Ollama has generated the whole answer and sends it. Below the stack's Nginx
   * proxy_read_timeout (600 s), so a client behind it gets the gateway's 504 envelope, not Nginx's bare one.
   */
  UPSTREAM_RESPONSE_TIMEOUT_MS: positiveInt(540_000),
  /** Streams: longest silence between two chunks. */
  UPSTREAM_IDLE_TIMEOUT_MS: positiveInt(60_000),
  /**
   * How often each Ollama is asked GET /api/version (timeout 10 s). Two failures in a row mark it wedged: requests
   * still waiting on it are given up (503) instead of waiting for their long timeout.
   */
  UPSTREAM_HEALTH_INTERVAL_MS: positiveInt(5_000),
  /**
   * Requests each Ollama runs at once per model (its OLLAMA_NUM_PARALLEL), as a routing hint: a host with that many of
   * a model's requests in flight counts as saturated and the next one goes to another host. One number for all
   * hosts or one per OLLAMA_URLS entry; 0 or unset = no hint (only Ollama's 503 "server busy" moves requests on).
   */
  UPSTREAM_NUM_PARALLEL: parallelList.default([0]),
  /**
   * How often the models each Ollama has loaded (/api/ps) are refreshed, shared by all replicas through the shared
   * cache (one replica asks Ollama per interval, the others read its answer). Routing prefers a host with the model loaded.
   */
  UPSTREAM_PS_INTERVAL_MS: z.coerce.number().int().min(500).default(5_000),
  /** Streams with `tools`: Ollama holds a tool call back until it is complete, so silences are long. */
  UPSTREAM_TOOL_TIMEOUT_MS: positiveInt(540_000),
  /** An oversize body is still read (and discarded) this long before the connection closes, so clients see the 413. */
  BODY_LINGER_MS: nonNegativeInt(DEFAULT_BODY_LINGER.lingerMs),
  /** …and at most this many bytes of it (both bounds keep the 413 path from being a way to tie up the gateway). */
  BODY_LINGER_BYTES: nonNegativeInt(DEFAULT_BODY_LINGER.lingerBytes),
  SHUTDOWN_TIMEOUT_MS: positiveInt(30_000),
  USAGE_FLUSH_INTERVAL_MS: positiveInt(1_000),
  USAGE_BATCH_SIZE: positiveInt(500),
  USAGE_BUFFER_MAX: positiveInt(100_000),
  /** With Redis: usage-journal entries a replica read but did not acknowledge for this long are taken over (it died). */
  USAGE_CLAIM_IDLE_MS: positiveInt(10_000),
  // The response cache (gateway/src/response-cache/, README "Response cache"): exact-match answers of deterministic
  // requests, opted into per key (`cache`) or per request (`x-llmgw-cache: true`).
  /** Global switch: false = nothing is cached or served from the cache, whatever a key or a header asks. */
  RESPONSE_CACHE: booleanFlag.default(true),
  /** How long a cached answer is served. */
  RESPONSE_CACHE_TTL_S: positiveInt(300),
  /** The largest answer (body, or a stream's whole event text) that is stored; bigger ones are answered, not kept. */
  RESPONSE_CACHE_MAX_BYTES: positiveInt(1024 * 1024),
  /** Embedded mode (no Redis): all cached answers together, least recently used dropped first. */
  RESPONSE_CACHE_MEMORY_BYTES: positiveInt(64 * 1024 * 1024),
  /** false: an entry serves only the API key that filled it; true: any key (that may use the model) gets the hit. */
  RESPONSE_CACHE_SHARED: booleanFlag.default(false),
  ROTATION_GRACE_HOURS: z.coerce.number().nonnegative().default(24),
  TRUST_REQUEST_ID: booleanFlag.default(true),
  /** The inference routes' fast lane in front of the Express app (http/fast-lane.ts); off = every request via Express. */
  FAST_LANE: booleanFlag.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** One JSON log line per request (request id, route, status, timings, key id) — the stack turns it on. */
  ACCESS_LOG: booleanFlag.default(false),
  READY_TIMEOUT_MS: nonNegativeInt(2_000),
});

export type GatewayConfig = z.output<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid gateway configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Secrets that may come from a file instead (`NAME_FILE=/run/secrets/...`, the Docker/Swarm/Kubernetes convention), so
 * a Swarm secret or a mounted Kubernetes Secret never sits in the process environment. NAME itself wins when set.
 */
export const FILE_VARIABLES = ['DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN'] as const;

function readSecretFile(name: string, file: string): string {
  try {
    // One trailing newline is what `echo` and most secret tools add; it is never part of the value.
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError([`${name}_FILE: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
}

/** Parses the environment (only the variables the schema names; empty strings count as unset). */
export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): GatewayConfig {
  const input: Record<string, string> = {};
  for (const name of Object.keys(envSchema.shape)) {
    const value = env[name];
    if (value !== undefined && value !== '') input[name] = value;
  }
  for (const name of FILE_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (input[name] === undefined && file) input[name] = readSecretFile(name, file);
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
  }
  const { UPSTREAM_NUM_PARALLEL: hints, OLLAMA_URLS: urls } = parsed.data;
  if (hints.length !== 1 && hints.length !== urls.length) {
    throw new ConfigError([
      `UPSTREAM_NUM_PARALLEL: has ${hints.length} values for ${urls.length} OLLAMA_URLS; give one for all or one per URL`,
    ]);
  }
  const issues = clusterIssues(parsed.data);
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed.data;
}

/** The Redis Cluster settings that only make sense together (checked after each variable is valid alone). */
function clusterIssues(config: GatewayConfig): string[] {
  const issues: string[] = [];
  if (config.REDIS_CLUSTER && !config.REDIS_URL)
    issues.push('REDIS_CLUSTER: needs REDIS_URL (one node of the cluster)');
  if (config.REDIS_CLUSTER_NODES.length > 0 && !config.REDIS_CLUSTER)
    issues.push('REDIS_CLUSTER_NODES: set REDIS_CLUSTER=true too (the nodes are seeds of a cluster)');
  if (config.REDIS_CLUSTER && config.REDIS_URL) {
    const db = new URL(config.REDIS_URL).pathname.replace(/^\//, '');
    if (db !== '' && db !== '0') issues.push(`REDIS_URL: a Redis Cluster has only database 0, not /${db}`);
  }
  return issues;
}

/** Config for tests and embedded use: defaults plus overrides, validated the same way. */
export function configFrom(overrides: Record<string, string | number | undefined>): GatewayConfig {
  const env: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(overrides)) env[name] = value === undefined ? undefined : String(value);
  return loadConfig(env);
}
