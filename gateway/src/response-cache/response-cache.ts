// The response cache's face to the relay (routes/proxy.ts): plan() decides, with no I/O, whether a request takes
// part (opted in, deterministic, model digest known) and its entry id; lookup() is the one extra round trip (a
// Redis GET in the stack) that only opted-in requests pay; save() stores a good answer off the request path.
// The cache never fails a request: a store error is logged and counts as a miss.
import type { Logger } from 'pino';
import type { KeyRecord } from '../store/types.js';
import type { Endpoint } from '../protocols/types.js';
import type { CatalogModel } from '../upstream/catalog.js';
import type { GatewayMetrics } from '../metrics.js';
import type { ResponseStore } from './store.js';
import { decodeAnswer, encodeAnswer, type CachedAnswer } from './entry.js';
import { entryId, headerOptIn } from './key.js';
import { StreamCapture } from './capture.js';

export interface ResponseCacheOptions {
  /** RESPONSE_CACHE: false = no plan at all (the header is still validated). */
  enabled: boolean;
  ttlSeconds: number;
  /** RESPONSE_CACHE_MAX_BYTES: the largest stored body or stream text. */
  maxEntryBytes: number;
  /** RESPONSE_CACHE_SHARED: entries serve every key, not only the one that filled them. */
  shared: boolean;
}

/** An opted-in request: its entry id, or null when it cannot be cached (x-cache: skip). */
export interface CachePlan {
  id: string | null;
  stream: boolean;
}

export type CacheResult = 'hit' | 'miss' | 'skip';

/** The x-cache answer header, one frozen object per result (no allocation per request). */
export const X_CACHE: Readonly<Record<CacheResult, Readonly<Record<string, string>>>> = Object.freeze({
  hit: Object.freeze({ 'x-cache': 'hit' }),
  miss: Object.freeze({ 'x-cache': 'miss' }),
  skip: Object.freeze({ 'x-cache': 'skip' }),
});

export interface PlanInput {
  header: string | string[] | undefined;
  key: KeyRecord;
  endpoint: Endpoint;
  body: Record<string, unknown>;
  model: CatalogModel;
  stream: boolean;
}

export class ResponseCache {
  constructor(
    private readonly store: ResponseStore,
    private readonly options: ResponseCacheOptions,
    private readonly log: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** null: the request did not opt in, so nothing is looked up, stored or marked (no cost at all). */
  plan(input: PlanInput): CachePlan | null {
    const asked = headerOptIn(input.header);
    if (!this.options.enabled || !(asked ?? input.key.cache)) return null;
    // An unknown digest means a changed model could not be told apart from the one that filled the entry.
    if (!input.endpoint.deterministic(input.body) || input.model.digest === '') {
      this.metrics.responseCache.inc({ result: 'skip' });
      return { id: null, stream: input.stream };
    }
    const id = entryId({
      path: input.endpoint.path,
      model: input.model.id,
      digest: input.model.digest,
      stream: input.stream,
      keyId: this.options.shared ? null : input.key.id,
      body: input.body,
    });
    return { id, stream: input.stream };
  }

  /** The stored answer for the plan, or null (a miss). */
  async lookup(plan: CachePlan): Promise<CachedAnswer | null> {
    if (plan.id === null) return null;
    let answer: CachedAnswer | null = null;
    try {
      const text = await this.store.get(plan.id);
      answer = text === null ? null : decodeAnswer(text);
    } catch (err) {
      this.log.warn({ err: String(err) }, 'response cache lookup failed; answering from upstream');
    }
    // A stream's entry never answers a whole request, nor the reverse (the id covers it; this is the belt).
    if (answer && answer.kind !== (plan.stream ? 'stream' : 'whole')) answer = null;
    this.metrics.responseCache.inc({ result: answer ? 'hit' : 'miss' });
    return answer;
  }

  /** A capture for a missed stream (null when the plan stores nothing). */
  capture(plan: CachePlan | null): StreamCapture | null {
    return plan?.id ? new StreamCapture(this.options.maxEntryBytes) : null;
  }

  /** Stores a good answer; not awaited by the relay (the client has its answer already or is getting it). */
  save(plan: CachePlan, answer: CachedAnswer): void {
    if (plan.id === null || Buffer.byteLength(answer.body) > this.options.maxEntryBytes) return;
    this.store.set(plan.id, encodeAnswer(answer), this.options.ttlSeconds).then(
      () => this.metrics.responseCache.inc({ result: 'stored' }),
      (err: unknown) => this.log.warn({ err: String(err) }, 'response cache store failed'),
    );
  }
}
