// Output conventions of every command: colour only on a terminal and never with NO_COLOR; tables that fit the
// terminal's width (the widest columns are cut with "…" first); byte counts and durations in human units.

export interface OutputStyle {
  color: boolean;
  /** Columns available: the terminal's, or COLUMNS, or unlimited when writing to a file or pipe. */
  width: number;
  paint(code: 'green' | 'red' | 'yellow' | 'dim' | 'bold' | 'cyan', text: string): string;
  /** A key/pull/model status in its colour. */
  status(text: string): string;
}

const CODES = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1, cyan: 36 } as const;

export function outputStyle(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): OutputStyle {
  // https://no-color.org: any non-empty NO_COLOR turns colour off.
  const color = Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
  const columns = Number(env.COLUMNS);
  const width =
    stream.isTTY && stream.columns ? stream.columns : Number.isInteger(columns) && columns > 0 ? columns : Infinity;
  const paint: OutputStyle['paint'] = (code, text) => (color ? `\u001b[${CODES[code]}m${text}\u001b[0m` : text);
  return {
    color,
    width,
    paint,
    status: (text) =>
      /^(active|done|ok|loaded|success)$/.test(text)
        ? paint('green', text)
        : /^(revoked|failed|error)$/.test(text)
          ? paint('red', text)
          : /^(expired|cancelled|queued)$/.test(text)
            ? paint('yellow', text)
            : text,
  };
}

const ANSI = /\u001b\[[0-9;]*m/g;

export function visibleLength(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** Cuts plain text to `width` characters, ending in "…" when cut. */
export function truncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return chars.slice(0, width).join('');
  return `${chars.slice(0, width - 1).join('')}…`;
}

export interface TableOptions {
  width?: number;
  /** Columns aligned right (numbers). */
  right?: number[];
}

/**
 * A plain table: header row, two spaces between columns. When wider than `width`, the widest column gives up
 * characters first (never below its header or 6), so ids and names are cut before numbers are.
 * Cells may carry colour; widths are measured without it, and a coloured cell is never cut.
 */
export function table(headers: string[], rows: string[][], options: TableOptions = {}): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => visibleLength(row[i] ?? ''))));
  const available = options.width ?? Infinity;
  const gap = 2 * (headers.length - 1);
  const floor = headers.map((h, i) => Math.min(widths[i]!, Math.max(visibleLength(h), 6)));
  while (widths.reduce((a, b) => a + b, 0) + gap > available) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++)
      if (widths[i]! > floor[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) break; // nothing left to shrink: let the terminal wrap
    widths[widest] = widths[widest]! - 1;
  }
  const right = new Set(options.right ?? []);
  return all
    .map((row) =>
      row
        .slice(0, headers.length)
        .map((raw, i) => {
          const cell = raw.includes('\u001b') ? raw : truncate(raw, widths[i]!);
          const pad = ' '.repeat(Math.max(0, widths[i]! - visibleLength(cell)));
          return right.has(i) ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1234567 → "1.2 MB" (decimal units, like Ollama and the dashboard). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** Seconds → "42s", "3m05s", "1h02m". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
