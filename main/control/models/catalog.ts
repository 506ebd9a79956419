// The curated catalog the app offers to pull from (data: catalog-data.ts), validated with zod when this module
// loads so a bad edit fails every test and the app's start, not a pull. `catalog()` is what the dashboard, the
// tray and the CLI's `models pull` suggestions read; `suggest()` ranks entries for a partial name.
import { z } from 'zod';
import type { CatalogEntry } from '../../../common/protocol/views.js';
import { CATALOG_DATA } from './catalog-data.js';
import { normalizeModelName } from './model-name.js';
export type { CatalogEntry } from '../../../common/protocol/views.js';

const entrySchema = z.strictObject({
  // Ollama names: lower-case name, optional namespace and :tag (`ollama pull` accepts it as written).
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)?(:[a-z0-9][a-z0-9._-]*)?$/, 'an Ollama model name[:tag]'),
  title: z.string().min(1).max(60),
  description: z.string().min(10).max(200),
  size: z.number().positive().transform(Math.round),
  parameters: z.string().regex(/^\d+(\.\d+)?[MB]$/, 'like 8B or 300M'),
  kind: z.enum(['chat', 'embedding']),
  small: z.boolean(),
}) satisfies z.ZodType<CatalogEntry>;

export const catalogSchema = z
  .array(entrySchema)
  .min(1)
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    for (const [index, entry] of entries.entries()) {
      const key = normalizeModelName(entry.name);
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `${entry.name} is listed twice` });
      seen.add(key);
    }
  });

/** Parses catalog data; throws naming the entry and field on a bad edit. */
export function parseCatalog(data: unknown): readonly CatalogEntry[] {
  const parsed = catalogSchema.safeParse(data);
  if (parsed.success) return Object.freeze(parsed.data.map((e) => Object.freeze(e)));
  const issue = parsed.error.issues[0]!;
  throw new Error(`catalog-data.ts: entry ${issue.path.join('.')}: ${issue.message}`);
}

export const CATALOG: readonly CatalogEntry[] = parseCatalog(CATALOG_DATA);

export function catalog(): readonly CatalogEntry[] {
  return CATALOG;
}

/**
 * Catalog entries for what a person typed (`models pull qwen`, a typo'd tag): exact name first, then names that
 * start with it, then names or titles containing it; at most `limit`.
 */
export function suggest(partial: string, limit = 5): CatalogEntry[] {
  const q = partial.trim().toLowerCase();
  if (!q) return [];
  const base = q.split(':')[0]!;
  const score = (e: CatalogEntry): number => {
    if (e.name === q) return 0;
    if (e.name.startsWith(q)) return 1;
    if (e.name.split(':')[0] === base) return 2;
    if (e.name.includes(base) || e.title.toLowerCase().includes(base)) return 3;
    return 9;
  };
  return CATALOG.map((e) => ({ e, s: score(e) }))
    .filter((x) => x.s < 9)
    .sort((a, b) => a.s - b.s)
    .slice(0, limit)
    .map((x) => x.e);
}
