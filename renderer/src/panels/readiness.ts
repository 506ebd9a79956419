// Readiness: run the whole suite or one check, results appear live (readiness-progress events), then the history
// of runs and what changed since the last green run. Failed checks show their fix.
import type { CheckResult, ReadinessEvent, ReadinessHistoryView } from '../bridge/types.js';
import { field, h, replace } from '../ui/dom.js';
import { act, errorSlot } from '../ui/errors.js';
import { relativeTime } from '../ui/format.js';
import { section, type Panel, type PanelContext } from './panel.js';

type Row = {
  id: string;
  number: number;
  title: string;
  state: 'waiting' | 'running' | CheckResult['status'];
  result?: CheckResult;
};

const ICON: Record<Row['state'], string> = { waiting: '·', running: '…', pass: '✓', fail: '✗', skip: '–' };

export function createReadiness({ api, store }: PanelContext): Panel {
  const el = section(
    'readiness',
    'Readiness',
    'Production checks against the running gateway (a temporary key is created and revoked).',
  );
  const runAll = h('button', { type: 'button', class: 'primary' }, 'Run all checks');
  const one = h('select', { 'aria-label': 'Check to run' });
  const runOne = h('button', { type: 'button' }, 'Run this check');
  const errors = errorSlot();
  const summary = h('p', { class: 'status-line', 'aria-live': 'polite', 'data-testid': 'readiness-summary' });
  const results = h('ol', { class: 'checks', 'data-testid': 'checks' });
  const changes = h('div');
  const history = h('div', { class: 'table-wrap' });
  let rows: Row[] = [];

  const drawRows = () =>
    replace(
      results,
      ...rows.map((r) =>
        h(
          'li',
          { class: `check state-${r.state}`, 'data-check': r.id, 'data-state': r.state },
          h('span', { class: 'icon', 'aria-hidden': 'true' }, ICON[r.state]),
          h('span', {}, h('strong', {}, `${r.number}. ${r.title}`), h('span', { class: 'sr-only' }, ` — ${r.state}`)),
          r.result
            ? h(
                'span',
                { class: 'muted' },
                ` ${r.result.status === 'skip' ? (r.result.reason ?? r.result.summary) : r.result.summary} (${r.result.durationMs} ms)`,
              )
            : null,
          r.result?.fix ? h('p', { class: 'hint' }, r.result.fix) : null,
        ),
      ),
    );

  const onEvent = (e: ReadinessEvent) => {
    if (e.type === 'run-start') {
      rows = e.checks.map((c) => ({ ...c, state: 'waiting' }));
      replace(summary, `Running ${e.checks.length} checks against ${e.url}…`);
    } else if (e.type === 'check-start') {
      rows = rows.map((r) => (r.id === e.id ? { ...r, state: 'running' } : r));
    } else if (e.type === 'check-end') {
      rows = rows.map((r) => (r.id === e.result.id ? { ...r, state: e.result.status, result: e.result } : r));
    } else if (e.type === 'run-end') {
      const c = e.report.counts;
      replace(
        summary,
        h(
          'span',
          { class: `pill ${e.report.ok ? 'status-healthy' : 'status-down'}` },
          e.report.ok ? 'passed' : 'failed',
        ),
        ` ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`,
      );
      setTimeout(() => void loadHistory(), 500); // a run started elsewhere (tray, another tab) is saved just after run-end
    }
    drawRows();
  };
  store.onEvent((e) => e.type === 'readiness-progress' && onEvent(e.event));

  const run = (button: HTMLButtonElement, input?: { only: string[] }) =>
    act(button, errors, async () => {
      runAll.disabled = runOne.disabled = true;
      try {
        await api.call('readiness.run', input);
      } finally {
        runAll.disabled = runOne.disabled = false;
        void loadHistory(); // the run is in the history file once the call returns (run-end comes just before)
      }
    });
  runAll.addEventListener('click', () => void run(runAll));
  runOne.addEventListener('click', () => void run(runOne, { only: [one.value] }));

  const drawHistory = (view: ReadinessHistoryView) => {
    replace(
      changes,
      view.runs.length === 0
        ? null
        : h(
            'div',
            { class: 'card wide' },
            h(
              'h3',
              {},
              view.lastGreenAt
                ? `Changed since the last green run (${relativeTime(view.lastGreenAt)})`
                : 'No green run yet',
            ),
            view.changes.length === 0
              ? h('p', { class: 'muted' }, 'Nothing changed.')
              : h(
                  'ul',
                  {},
                  ...view.changes.map((c) =>
                    h('li', {}, `${c.title}: ${c.before ?? 'not run'} → ${c.now ?? 'not run'}`),
                  ),
                ),
          ),
    );
    replace(
      history,
      view.runs.length === 0
        ? h('p', { class: 'muted' }, 'No runs yet.')
        : h(
            'table',
            { 'data-testid': 'history' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['When', 'Result', 'Passed', 'Failed', 'Skipped'].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            h(
              'tbody',
              {},
              ...view.runs.map((r) =>
                h(
                  'tr',
                  {},
                  h('td', { title: r.finishedAt }, relativeTime(r.finishedAt)),
                  h(
                    'td',
                    {},
                    h('span', { class: `pill ${r.ok ? 'status-healthy' : 'status-down'}` }, r.ok ? 'green' : 'red'),
                  ),
                  h('td', {}, r.counts.passed),
                  h('td', {}, r.counts.failed),
                  h('td', {}, r.counts.skipped),
                ),
              ),
            ),
          ),
    );
  };
  const loadHistory = () => act(null, errors, async () => drawHistory(await api.call('readiness.history')));
  const loadChecks = () =>
    act(null, errors, async () => {
      if (one.options.length) return;
      const checks = await api.call('readiness.checks');
      replace(
        one,
        ...checks.map((c) => h('option', { value: c.id }, `${c.number}. ${c.title}${c.optIn ? ' (opt-in)' : ''}`)),
      );
    });

  el.append(
    h('div', { class: 'row wrap' }, runAll, field('One check', one), runOne),
    errors,
    summary,
    results,
    changes,
    h('h3', {}, 'History'),
    history,
  );
  return { id: 'readiness', title: 'Readiness', el, shown: () => void Promise.all([loadChecks(), loadHistory()]) };
}
