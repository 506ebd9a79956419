// JUnit XML of a run, for CI: one testsuite, one testcase per check; failures carry the summary and the fix,
// skips their reason, and every case its details as system-out.
import type { RunReport } from './types.js';

export function xmlEscape(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // Characters XML 1.0 cannot carry at all.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  );
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function junitReport(report: RunReport): string {
  const { passed, failed, skipped } = report.counts;
  const total = passed + failed + skipped;
  const cases = report.results.map((result) => {
    const open = `    <testcase classname="llm-gateway.readiness" name="${xmlEscape(`${result.number} ${result.id}: ${result.title}`)}" time="${seconds(result.durationMs)}"`;
    const body: string[] = [];
    if (result.status === 'fail') {
      body.push(
        `      <failure message="${xmlEscape(result.summary)}" type="${xmlEscape(result.code ?? 'check_failed')}">${xmlEscape(`${result.summary}\nfix: ${result.fix ?? ''}`)}</failure>`,
      );
    }
    if (result.status === 'skip') body.push(`      <skipped message="${xmlEscape(result.reason ?? result.summary)}"/>`);
    if (result.status === 'pass')
      body.push(
        `      <system-out>${xmlEscape(result.summary)}\n${xmlEscape(JSON.stringify(result.details))}</system-out>`,
      );
    return `${open}>\n${body.join('\n')}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="llm-gateway readiness" tests="${total}" failures="${failed}" errors="0" skipped="${skipped}" time="${seconds(report.durationMs)}">`,
    `  <testsuite name="readiness ${xmlEscape(report.url)}" tests="${total}" failures="${failed}" errors="0" skipped="${skipped}" time="${seconds(report.durationMs)}" timestamp="${report.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
