// The model catalog: what the Ollama upstreams serve, from /api/tags (+ /api/show for the trained context length,
// /api/ps for the context a loaded model runs with).
// Kept in-process and revalidated in the background every few seconds from the shared cache (5 min by default,
// so three replicas don't triple the upstream calls): the hot path never waits on Redis or Ollama once the
// list is known. A miss on a model forces one refresh before a 404.
import { z } from 'zod';
import type { Logger } from 'pino';
import type { SharedCache } from '../shared/types.js';
import type { UpstreamPool, Upstream } from './pool.js';
import { GatewayError } from '../errors.js';
import { modelKey } from './model-name.js';

const CACHE_KEY = 'models:catalog:v2';
const LOCAL_TTL_MS = 5_000;
const MISS_REFRESH_INTERVAL_MS = 2_000;

export interface CatalogModel {
  id: string;
  object: 'model';
  created: number;
  owned_by: 'ollama';
  /**
   * The context a client can use: the loaded model's context_length (/api/ps), else Ollama's default context
   * (OLLAMA_DEFAULT_CONTEXT_LENGTH), capped by the trained maximum.
   */
  context_length: number;
  /** The context the model was trained for (/api/show `<arch>.context_length`), null when unknown. */
  max_context_length: number | null;
  size: number;
  digest: string;
  family: string | null;
  families: string[] | null;
  parameter_size: string | null;
  quantization: string | null;
  /** Upstream base URLs that have this model (not part of OpenAI's shape; stripped for clients). */
  upstreams: string[];
}

const tagsSchema = z.object({
  models: z.array(
    z.looseObject({
      name: z.string(),
      model: z.string().optional(),
      modified_at: z.string().optional(),
      size: z.number().default(0),
      digest: z.string().default(''),
      details: z
        .looseObject({
          family: z.string().nullish(),
          families: z.array(z.string()).nullish(),
          parameter_size: z.string().nullish(),
          quantization_level: z.string().nullish(),
        })
        .optional(),
    }),
  ),
});

const showSchema = z.looseObject({ model_info: z.record(z.string(), z.unknown()).optional() });

const psSchema = z.looseObject({
  models: z
    .array(z.looseObject({ name: z.string(), context_length: z.number().int().positive().optional() }))
    .nullish(),
});

/** Ollama's lookup key of a model name (case-insensitive, registry prefix optional, `:latest` implied). */
export const canonicalModel = modelKey;

export class ModelCatalog {
  private local: { models: CatalogModel[]; byId: Map<string, CatalogModel>; at: number } | undefined;
  private refreshing: Promise<CatalogModel[]> | undefined;
  private revalidating: Promise<CatalogModel[]> | undefined;
  private lastMissRefresh = 0;

  constructor(
    private readonly pool: UpstreamPool,
    private readonly shared: SharedCache,
    private readonly ttlSeconds: number,
    private readonly log: Logger,
    /** What Ollama runs a model with when nothing else says (its OLLAMA_CONTEXT_LENGTH; 4096 by default). */
    private readonly defaultContextLength = 4096,
  ) {}

  async list(): Promise<CatalogModel[]> {
    if (this.local) {
      // Stale-while-revalidate: the hot path never waits on the shared cache once something is known.
      if (Date.now() - this.local.at >= LOCAL_TTL_MS) void this.revalidate();
      return this.local.models;
    }
    return this.revalidate();
  }

  /** Reads the shared cache (one round trip), or Ollama when it has nothing; single-flight per process. */
  private revalidate(): Promise<CatalogModel[]> {
    this.revalidating ??= (async () => {
      const cached = await this.shared.get(CACHE_KEY).catch(() => null);
      if (cached) {
        this.remember(JSON.parse(cached) as CatalogModel[]);
        return this.local!.models;
      }
      return this.refresh();
    })()
      .catch((err: unknown) => {
        if (this.local) {
          this.log.warn({ err: String(err) }, 'model list refresh failed; serving the last one');
          return this.local.models;
        }
        throw err;
      })
      .finally(() => {
        this.revalidating = undefined;
      });
    return this.revalidating;
  }

  /** The model by any name Ollama would accept for it, refreshing once when it is missing (it may have just been pulled). */
  async find(name: string): Promise<CatalogModel | undefined> {
    const id = modelKey(name);
    await this.list();
    const found = this.local?.byId.get(id);
    if (found) return found;
    if (Date.now() - this.lastMissRefresh < MISS_REFRESH_INTERVAL_MS) return undefined;
    this.lastMissRefresh = Date.now();
    await this.refresh();
    return this.local?.byId.get(id);
  }

  /** Fetches from every upstream now and updates the shared cache (single-flight per process). */
  refresh(): Promise<CatalogModel[]> {
    this.refreshing ??= this.fetchAll()
      .then(async (models) => {
        this.remember(models);
        await this.shared.set(CACHE_KEY, JSON.stringify(models), this.ttlSeconds).catch(() => undefined);
        return models;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  async invalidate(): Promise<void> {
    this.local = undefined;
    await this.shared.del(CACHE_KEY).catch(() => undefined);
  }

  private remember(models: CatalogModel[]): void {
    this.local = { models, byId: new Map(models.map((model) => [modelKey(model.id), model])), at: Date.now() };
  }

  private async fetchAll(): Promise<CatalogModel[]> {
    const merged = new Map<string, CatalogModel>();
    const results = await Promise.allSettled(this.pool.upstreams.map((upstream) => this.fetchOne(upstream)));
    let reached = 0;
    const failures: string[] = [];
    results.forEach((result, index) => {
      if (result.status === 'rejected') {
        const { name, url } = this.pool.upstreams[index]!;
        const reason = (result.reason as { code?: string }).code ?? String(result.reason);
        failures.push(`${name}: ${reason}`); // the id, never the URL: this message reaches clients
        this.log.warn({ upstream: url, err: String(result.reason) }, 'model list failed');
        return;
      }
      reached += 1;
      for (const model of result.value) {
        const key = modelKey(model.id);
        const existing = merged.get(key);
        if (existing) {
          existing.upstreams.push(...model.upstreams);
          existing.context_length = Math.max(existing.context_length, model.context_length);
        } else merged.set(key, model);
      }
    });
    if (reached === 0 && this.local) return this.local.models; // keep serving what we knew
    if (reached === 0) {
      throw new GatewayError(
        'upstream_unavailable',
        `No Ollama upstream answered the model list (${failures.join('; ')}).`,
      );
    }
    return [...merged.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  private async fetchOne(upstream: Upstream): Promise<CatalogModel[]> {
    const [tagsJson, loaded] = await Promise.all([
      this.pool.fetchJson(upstream, 'GET', '/api/tags'),
      this.loadedContexts(upstream),
    ]);
    const tags = tagsSchema.parse(tagsJson);
    return Promise.all(
      tags.models.map(async (tag) => {
        const modified = tag.modified_at ? Date.parse(tag.modified_at) : NaN;
        const trained = await this.contextLength(upstream, tag.name);
        const usable = loaded.get(modelKey(tag.name)) ?? this.defaultContextLength;
        return {
          // The name as Ollama lists it (it always carries a tag): clients are answered with that name.
          id: tag.name.includes(':') ? tag.name : `${tag.name}:latest`,
          object: 'model' as const,
          created: Number.isFinite(modified) ? Math.floor(modified / 1000) : 0,
          owned_by: 'ollama' as const,
          // Ollama never runs a model past what it was trained for, whatever num_ctx asks.
          context_length: trained === null ? usable : Math.min(usable, trained),
          max_context_length: trained,
          size: tag.size,
          digest: tag.digest,
          family: tag.details?.family ?? null,
          families: tag.details?.families ?? null,
          parameter_size: tag.details?.parameter_size ?? null,
          quantization: tag.details?.quantization_level ?? null,
          upstreams: [upstream.url],
        };
      }),
    );
  }

  /** Lookup key → context_length of each model loaded right now (/api/ps); empty when Ollama does not say. */
  private async loadedContexts(upstream: Upstream): Promise<Map<string, number>> {
    const loaded = new Map<string, number>();
    try {
      const ps = psSchema.parse(await this.pool.fetchJson(upstream, 'GET', '/api/ps'));
      for (const model of ps.models ?? []) {
        if (model.context_length !== undefined) loaded.set(modelKey(model.name), model.context_length);
      }
    } catch (err) {
      this.log.debug({ upstream: upstream.url, err: String(err) }, 'no loaded models from /api/ps');
    }
    return loaded;
  }

  private async contextLength(upstream: Upstream, name: string): Promise<number | null> {
    try {
      const show = showSchema.parse(await this.pool.fetchJson(upstream, 'POST', '/api/show', { model: name }));
      for (const [key, value] of Object.entries(show.model_info ?? {})) {
        if (key.endsWith('.context_length') && typeof value === 'number') return value;
      }
    } catch (err) {
      this.log.debug({ model: name, err: String(err) }, 'no context length from /api/show');
    }
    return null;
  }
}
