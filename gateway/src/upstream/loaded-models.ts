// Which models each Ollama host has loaded, for routing (routing.ts prefers a warm host). Read from every host's
// /api/ps on a short interval, off the request path, and shared between replicas through the shared cache: each
// interval one replica asks Ollama and stores the answer for the interval, the others read it (one GET per replica
// per interval; the request path reads only this process's copy, so it makes no Redis or Ollama call for this).
import { z } from 'zod';
import type { Logger } from 'pino';
import type { SharedCache } from '../shared/types.js';
import type { UpstreamPool } from './pool.js';

const CACHE_KEY = 'upstreams:loaded:v1';

const psSchema = z.looseObject({
  models: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        expires_at: z.string().optional(),
        size_vram: z.number().nonnegative().optional(),
        context_length: z.number().int().positive().optional(),
      }),
    )
    .nullish(),
});

const loadedSchema = z.object({
  name: z.string(),
  expiresAt: z.number(),
  sizeVram: z.number().nullable(),
  contextLength: z.number().nullable(),
});

/** What the shared cache holds: when it was read, and per host URL its loaded models (null: it did not answer). */
const snapshotSchema = z.object({
  at: z.number(),
  hosts: z.record(z.string(), z.array(loadedSchema).nullable()),
});
type Snapshot = z.infer<typeof snapshotSchema>;

/** How far ahead an expires_at counts as "forever" when Ollama gives none (a model that is always kept). */
const NO_EXPIRY_MS = 365 * 24 * 3_600_000;

export class LoadedModels {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly pool: UpstreamPool,
    private readonly shared: SharedCache,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** Refreshes now, then every interval. */
  start(): Promise<void> {
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
    return this.refresh();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The shared snapshot when another replica stored one this interval, else every host's /api/ps (single-flight). */
  refresh(): Promise<void> {
    this.running ??= (async () => {
      const cached = await this.shared.get(CACHE_KEY).catch(() => null);
      const known = cached === null ? undefined : parseSnapshot(cached);
      if (known) return this.apply(known);
      const snapshot = await this.read();
      this.apply(snapshot);
      await this.shared.set(CACHE_KEY, JSON.stringify(snapshot), this.intervalMs / 1000).catch(() => undefined);
    })()
      .catch((err: unknown) => this.log.warn({ err: String(err) }, 'loaded-model refresh failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Asks every host for /api/ps now. */
  private async read(): Promise<Snapshot> {
    const at = Date.now();
    const answers = await Promise.allSettled(
      this.pool.upstreams.map((upstream) => this.pool.fetchJson(upstream, 'GET', '/api/ps')),
    );
    const hosts: Snapshot['hosts'] = {};
    answers.forEach((answer, index) => {
      const { url } = this.pool.upstreams[index]!;
      const ps = answer.status === 'fulfilled' ? psSchema.safeParse(answer.value) : undefined;
      if (!ps?.success) {
        this.log.debug({ upstream: url }, 'no loaded models from /api/ps');
        hosts[url] = null;
        return;
      }
      hosts[url] = (ps.data.models ?? []).map((model) => {
        const expires = model.expires_at === undefined ? NaN : Date.parse(model.expires_at);
        return {
          name: model.name,
          expiresAt: Number.isFinite(expires) ? expires : at + NO_EXPIRY_MS,
          sizeVram: model.size_vram ?? null,
          contextLength: model.context_length ?? null,
        };
      });
    });
    return { at, hosts };
  }

  private apply(snapshot: Snapshot): void {
    for (const upstream of this.pool.upstreams) {
      const models = snapshot.hosts[upstream.url];
      if (models) this.pool.setLoaded(upstream, models, snapshot.at);
    }
  }
}

/** A snapshot from the shared cache; undefined when it is not one (another version wrote it, or it is damaged). */
function parseSnapshot(text: string): Snapshot | undefined {
  try {
    const parsed = snapshotSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
