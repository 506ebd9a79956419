// The parts one gateway instance is made of, handed to every route.
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import type { Store } from './store/types.js';
import type { Limiter } from './limits/types.js';
import type { SharedCache } from './shared/types.js';
import type { KeyCache } from './auth/key-cache.js';
import type { ModelCatalog } from './upstream/catalog.js';
import type { UpstreamPool } from './upstream/pool.js';
import type { UsageRecorder } from './usage/recorder.js';
import type { Responder } from './http/respond.js';
import type { CorsPolicy } from './http/cors.js';
import type { ReplicaGate } from './limits/replica-gate.js';
import type { AuthThrottle } from './auth/auth-throttle.js';
import type { ClientAddress } from './http/client-address.js';
import type { ResponseCache } from './response-cache/index.js';

export interface GatewayDeps {
  config: GatewayConfig;
  instance: string;
  log: Logger;
  metrics: GatewayMetrics;
  store: Store;
  limiter: Limiter;
  shared: SharedCache;
  keys: KeyCache;
  catalog: ModelCatalog;
  upstreams: UpstreamPool;
  usage: UsageRecorder;
  /** Exact-match answers of opted-in deterministic requests (README "Response cache"). */
  responseCache: ResponseCache;
  respond: Responder;
  cors: CorsPolicy;
  /** Inference requests in flight on this replica (MAX_CONCURRENT_REQUESTS). */
  gate: ReplicaGate;
  /** Failed authentications per client address (AUTH_FAILURE_BURST / AUTH_FAILURE_PER_S). */
  authFailures: AuthThrottle;
  /** The client's address (TRUSTED_PROXIES decides whose X-Real-IP counts). */
  clientAddress: ClientAddress;
  startedAt: number;
  /** True once SIGTERM (or close()) began: readiness fails and answers close their connections. */
  draining: () => boolean;
}
