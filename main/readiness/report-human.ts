// Human output: a header, one ✓/✗/– line per check with its duration (printed as each check ends), the fix
// under a failure, warnings, and a last line exactly like `10 passed, 0 failed, 5 skipped`.
import type { CheckResult, RunReport } from './types.js';

export interface HumanStyle {
  color: boolean;
}

const paint = (on: boolean, code: string, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function humanHeader(url: string, total: number): string {
  return `LLM Gateway readiness — ${url} (${total} check${total === 1 ? '' : 's'})`;
}

export function humanLine(result: CheckResult, style: HumanStyle = { color: false }): string {
  const mark =
    result.status === 'pass'
      ? paint(style.color, '32', '✓')
      : result.status === 'fail'
        ? paint(style.color, '31', '✗')
        : paint(style.color, '33', '–');
  const label = `${String(result.number).padStart(2)} ${result.title}`.padEnd(34);
  const duration = formatDuration(result.durationMs).padStart(8);
  const text = result.status === 'skip' ? `skipped: ${result.reason ?? result.summary}` : result.summary;
  const lines = [`${mark} ${label} ${duration}  ${text}`];
  if (result.status === 'fail' && result.fix) lines.push(`      ${paint(style.color, '2', `→ ${result.fix}`)}`);
  return lines.join('\n');
}

export function summaryLine(report: Pick<RunReport, 'counts'>): string {
  const { passed, failed, skipped } = report.counts;
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

export function humanReport(report: RunReport, style: HumanStyle = { color: false }): string {
  return [
    humanHeader(report.url, report.results.length),
    ...report.results.map((result) => humanLine(result, style)),
    ...report.warnings.map((warning) => `! ${warning}`),
    `${report.cleanup.keysCreated} temporary key(s) created, ${report.cleanup.keysRevoked} revoked; took ${formatDuration(report.durationMs)}`,
    summaryLine(report),
  ].join('\n');
}
