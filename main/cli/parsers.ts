// Option-value parsers for the command definitions (commands.ts): each validates one CLI argument with zod at the
// edge and hands the command a typed value; a bad value becomes commander's one-line "argument … is invalid" error.
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';

function parserOf<T>(schema: z.ZodType<T>): (value: string) => T {
  return (value: string) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new InvalidArgumentError(parsed.error.issues[0]!.message);
  };
}

const wholeNumber = z
  .string()
  .trim()
  .regex(/^\d+$/, 'It must be a whole number')
  .transform((text) => Number(text));

export const positiveInt = parserOf(wholeNumber.refine((n) => n > 0, 'It must be greater than 0'));
export const nonNegativeInt = parserOf(wholeNumber);
export const nonNegativeNumber = parserOf(
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'It must be a number of 0 or more')
    .transform((text) => Number(text)),
);

/** "a,b , c" → ["a", "b", "c"] (empty parts dropped; at least one). */
export const commaList = parserOf(
  z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .refine((parts) => parts.length > 0, 'It must name at least one value'),
);

const RELATIVE = /^(\d+)(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/**
 * An instant: ISO 8601 (`2026-05-01`, `2026-05-01T10:00:00Z`), `now`, or an age such as `30m`, `24h`, `7d`, `2w`
 * (that long before `now`). Returned as an ISO string with offset, the control plane's input format.
 */
export function instantAt(text: string, now: number = Date.now()): string | null {
  const value = text.trim();
  if (value === 'now') return new Date(now).toISOString();
  const relative = RELATIVE.exec(value);
  if (relative) return new Date(now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]).toISOString();
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

export const instant = parserOf(
  z.string().transform((text, ctx) => {
    const at = instantAt(text);
    if (at === null) {
      ctx.addIssue({ code: 'custom', message: 'It must be an ISO date (2026-05-01), `now`, or an age like 24h or 7d' });
      return z.NEVER;
    }
    return at;
  }),
);

export const portNumber = parserOf(wholeNumber.refine((n) => n <= 65535, 'It must be a port number (0-65535)'));
