// The Overview's doctor card: when something on this machine is wrong (the `doctor.run` operation, the same checks
// as `llm-gateway doctor`), the failing checks with what was seen and the one thing to do; hidden when all pass.
// It runs when the Overview is shown, when the health status changes, and on "Check again" — not on a timer (the
// checks probe Docker, Ollama and the ports: too heavy for a poll).
import type { Api } from '../api.js';
import type { DoctorReport } from '../bridge/types.js';
import { h, replace } from '../ui/dom.js';
import { act, errorSlot } from '../ui/errors.js';

export interface DoctorCard {
  el: HTMLElement;
  /** Runs the checks again (concurrent calls share one run). */
  refresh(): Promise<void>;
}

export function createDoctorCard(api: Api): DoctorCard {
  const list = h('ul', { class: 'doctor-failures' });
  const summary = h('p', {});
  const again = h('button', { type: 'button', class: 'small' }, 'Check again');
  const errors = errorSlot();
  const el = h(
    'div',
    { class: 'card wide doctor', 'data-testid': 'doctor', hidden: true },
    h('h3', {}, 'Something on this computer needs attention'),
    summary,
    list,
    h('div', { class: 'row' }, again),
    errors,
  );
  let running: Promise<void> | null = null;

  const draw = (report: DoctorReport) => {
    const failed = report.checks.filter((c) => !c.ok);
    el.hidden = failed.length === 0;
    replace(summary, `${failed.length} of ${report.checks.length} checks failed (same as \`llm-gateway doctor\`):`);
    replace(
      list,
      ...failed.map((c) =>
        h(
          'li',
          { class: 'check state-fail', 'data-check': c.id },
          h('span', { class: 'icon', 'aria-hidden': 'true' }, '✗'),
          h('strong', {}, ` ${c.title}: `),
          h('span', { class: 'muted' }, c.detail),
          h('p', { class: 'hint' }, c.fix),
        ),
      ),
    );
  };

  const refresh = () => {
    running ??= act(again, errors, async () => draw(await api.call('doctor.run'))).then(() => {
      running = null;
    });
    return running;
  };
  again.addEventListener('click', () => void refresh());
  return { el, refresh };
}
