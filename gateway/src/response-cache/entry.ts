// Response cache: one stored answer as text. A whole answer keeps its body, a stream the exact event text the
// client was sent (framing included), so a replay is byte-equal; `tokens` is what the original answer reported
// (prompt + completion), recorded as the hit's cached_tokens. Entries are read back through a schema: a foreign
// or corrupt value is a miss, never a bad answer.
import { z } from 'zod';

export interface CachedAnswer {
  kind: 'whole' | 'stream';
  body: string;
  tokens: number;
}

const stored = z.object({
  v: z.literal(1),
  k: z.enum(['whole', 'stream']),
  b: z.string(),
  t: z.number().int().nonnegative(),
});

export function encodeAnswer(answer: CachedAnswer): string {
  return JSON.stringify({ v: 1, k: answer.kind, b: answer.body, t: answer.tokens });
}

export function decodeAnswer(text: string): CachedAnswer | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = stored.safeParse(json);
  return parsed.success ? { kind: parsed.data.k, body: parsed.data.b, tokens: parsed.data.t } : null;
}
