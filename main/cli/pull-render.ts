// How `models pull` shows a pull's progress (the control plane's PullState): on a terminal one live line redrawn
// in place (bar, percent, bytes, speed, ETA); elsewhere plain lines, one per status change or 10 % step, so a log
// file stays short; with --json the PullState events as NDJSON (done in models-command.ts).
import type { PullState } from '../../common/protocol/views.js';
import { formatBytes, formatSeconds, truncate, type OutputStyle } from './output.js';

/** `[#######·······]` of `width` cells for `percent`. */
export function bar(percent: number, width: number): string {
  const cells = Math.max(0, width);
  const full = Math.min(cells, Math.floor((Math.max(0, Math.min(100, percent)) / 100) * cells));
  return `[${'#'.repeat(full)}${'·'.repeat(cells - full)}]`;
}

/** The figures after the bar: "42.5%  1.2 GB/2.8 GB  35 MB/s  ETA 46s". */
export function figures(state: PullState): string {
  const parts = [`${state.percent.toFixed(1)}%`];
  if (state.total > 0) parts.push(`${formatBytes(state.completed)}/${formatBytes(state.total)}`);
  if (state.bytesPerSecond > 0) parts.push(`${formatBytes(state.bytesPerSecond)}/s`);
  if (state.etaSeconds !== null && state.phase === 'pulling' && state.bytesPerSecond > 0)
    parts.push(`ETA ${formatSeconds(state.etaSeconds)}`);
  return parts.join('  ');
}

/** The live terminal line, fitted to `width` columns (the bar gives way first). */
export function ttyLine(state: PullState, width: number, style: OutputStyle): string {
  const head = `${state.name} `;
  const tail = ` ${figures(state)}${state.phase === 'verifying' ? `  ${state.status}` : ''}`;
  const room = Math.min(40, width - head.length - tail.length - 3);
  const line = room >= 10 ? `${head}${bar(state.percent, room)}${tail}` : `${head.trim()}${tail}`;
  const fitted = truncate(line, Math.max(10, Math.min(width - 1, 400)));
  return style.color ? fitted.replace(/\[(#*)/, (_, hashes: string) => `[${style.paint('cyan', hashes)}`) : fitted;
}

/** The final line of a pull, whichever mode. */
export function endLine(state: PullState): string {
  switch (state.phase) {
    case 'done':
      return `${state.name}: pulled (${formatBytes(state.total)}).`;
    case 'cancelled':
      return `${state.name}: cancelled at ${state.percent.toFixed(1)}%; pull again to resume.`;
    default:
      return `${state.name}: failed: ${state.error ?? state.status}`;
  }
}

/** Plain-line mode: decides which states are worth a line (a new status, or another 10 %). */
export class PlainLines {
  private lastStatus = '';
  private lastDecile = -1;

  line(state: PullState): string | null {
    const decile = Math.floor(state.percent / 10);
    const status = state.status.replace(/^pulling [0-9a-f]+$/, 'pulling');
    if (status === this.lastStatus && decile === this.lastDecile) return null;
    this.lastStatus = status;
    this.lastDecile = decile;
    return `${state.name}: ${status} ${figures(state)}`;
  }
}
