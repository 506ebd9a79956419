// Logs: the last lines of one service (the embedded gateway's log, or a stack service's containers), a text filter,
// and Follow (re-reads every two seconds while the panel is open).
import { field, h, replace } from '../ui/dom.js';
import { act, errorSlot } from '../ui/errors.js';
import { section, type Panel, type PanelContext } from './panel.js';

/** pino JSON lines → "time LEVEL msg (extra)"; other lines unchanged. */
export function prettyLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const levels: Record<number, string> = {
      10: 'TRACE',
      20: 'DEBUG',
      30: 'INFO',
      40: 'WARN',
      50: 'ERROR',
      60: 'FATAL',
    };
    const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : '';
    const level = typeof o.level === 'number' ? (levels[o.level] ?? String(o.level)) : String(o.level ?? '');
    const rest = Object.entries(o)
      .filter(([k]) => !['time', 'level', 'msg', 'pid', 'hostname', 'instance'].includes(k))
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' ');
    return `${time} ${level.padEnd(5)} ${String(o.msg ?? '')}${rest ? `  ${rest}` : ''}`;
  } catch {
    return line;
  }
}

export function filterLines(lines: string[], filter: string): string[] {
  const f = filter.trim().toLowerCase();
  return f ? lines.filter((l) => l.toLowerCase().includes(f)) : lines;
}

export function createLogs({ api, store }: PanelContext): Panel {
  const el = section('logs', 'Logs');
  const service = h('select', { 'aria-label': 'Service' });
  const filter = h('input', { type: 'search', placeholder: 'Filter', 'aria-label': 'Filter lines' });
  const follow = h('input', { type: 'checkbox', checked: true });
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const errors = errorSlot();
  const out = h('pre', { class: 'logs', tabindex: '0', 'aria-label': 'Log lines', 'data-testid': 'log-lines' });
  const count = h('p', { class: 'muted' });
  let lines: string[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;

  const draw = () => {
    const shown = filterLines(lines.map(prettyLine), filter.value);
    const atBottom = out.scrollTop + out.clientHeight >= out.scrollHeight - 8;
    replace(out, shown.join('\n') || '(no lines)');
    replace(count, `${shown.length} of ${lines.length} lines`);
    if (atBottom) out.scrollTop = out.scrollHeight;
  };
  const load = () =>
    act(null, errors, async () => {
      const mode = store.state?.mode ?? 'embedded';
      const chosen = service.value || (mode === 'embedded' ? 'gateway' : 'api-gateway');
      const tail = await api.call('logs.tail', { service: chosen, lines: 500 });
      if (service.options.length !== tail.services.length) {
        replace(service, ...tail.services.map((s) => h('option', { value: s }, s)));
        service.value = tail.services.includes(chosen) ? chosen : (tail.services[0] ?? '');
      }
      lines = tail.lines;
      draw();
    });
  const schedule = () => {
    clearInterval(timer);
    timer = follow.checked && !el.hidden ? setInterval(() => void load(), 2000) : undefined;
  };
  filter.addEventListener('input', draw);
  service.addEventListener('change', () => void load());
  follow.addEventListener('change', schedule);
  refresh.addEventListener('click', () => void load());
  store.onEvent((e) => {
    if (e.type === 'mode-changed') service.replaceChildren();
  });
  el.append(
    h(
      'div',
      { class: 'row wrap' },
      field('Service', service),
      field('Filter', filter),
      h('label', { class: 'check' }, follow, 'Follow'),
      refresh,
    ),
    errors,
    count,
    out,
  );
  return {
    id: 'logs',
    title: 'Logs',
    el,
    shown: () => {
      void load();
      schedule();
    },
    hidden: () => clearInterval(timer),
  };
}
