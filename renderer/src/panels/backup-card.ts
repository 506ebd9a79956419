// The Overview's backup card: the last successful backup (when, which file, how big, scheduled or by hand), the
// daily schedule from the settings (on/off, how many are kept, when the next is due), the last failure with what
// to do, and "Back up now". Read when the Overview is shown and after a backup — not on a timer.
import type { Api } from '../api.js';
import type { BackupStatusView } from '../bridge/types.js';
import { h, replace } from '../ui/dom.js';
import { act, errorSlot } from '../ui/errors.js';
import { formatBytes, relativeTime } from '../ui/format.js';

export interface BackupCard {
  el: HTMLElement;
  refresh(): Promise<void>;
}

export function createBackupCard(api: Api): BackupCard {
  const last = h('p', { 'data-testid': 'backup-last' });
  const schedule = h('p', { class: 'muted', 'data-testid': 'backup-schedule' });
  const failure = h('p', { class: 'hint', 'data-testid': 'backup-error', hidden: true });
  const now = h('button', { type: 'button', class: 'small' }, 'Back up now');
  const errors = errorSlot();
  const el = h(
    'div',
    { class: 'card wide', 'data-testid': 'backup' },
    last,
    schedule,
    failure,
    h('div', { class: 'row' }, now),
    h('p', { class: 'muted' }, 'Restore from a terminal: llm-gateway restore <file> (README "Backups").'),
    errors,
  );

  const draw = (view: BackupStatusView) => {
    replace(
      last,
      view.last
        ? `Last backup: ${relativeTime(view.last.created_at)} (${view.last.created_at}), ` +
            `${formatBytes(view.last.bytes)}, ${view.last.scheduled ? 'daily schedule' : 'by hand'} — ${view.last.file}`
        : 'No backup yet.',
    );
    replace(
      schedule,
      view.daily
        ? `Daily backup on, keeping the newest ${view.keep}; next due ${relativeTime(view.nextDueAt)} ` +
            '(while the gateway runs).'
        : 'Daily backup is off (settings: backup.daily).',
    );
    failure.hidden = view.lastError === null;
    replace(failure, view.lastError ? `Last attempt failed: ${view.lastError.message} ${view.lastError.hint}` : '');
  };

  const refresh = () => act(now, errors, async () => draw(await api.call('backup.status')));
  now.addEventListener(
    'click',
    () =>
      void act(now, errors, async () => {
        await api.call('backup.run');
        draw(await api.call('backup.status'));
      }),
  );
  return { el, refresh };
}
