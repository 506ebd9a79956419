// Models: pull by name (or a pasted `ollama pull NAME`) or from the catalog with a real progress bar (percent,
// speed, ETA) and Cancel; installed models with size, family, context length and "loaded now"; delete with a
// confirmation. Pull state lives in the control plane, so pulls started elsewhere (the tray) show up here too.
import type { ControlState, InstalledModel, PullState } from '../bridge/types.js';
import { field, h, replace } from '../ui/dom.js';
import { act, errorSlot } from '../ui/errors.js';
import { formatBytes, formatEta, formatPercent, formatSpeed } from '../ui/format.js';
import { section, type Panel, type PanelContext } from './panel.js';

const ACTIVE = new Set(['queued', 'pulling', 'verifying']);

export function pullLine(p: PullState): string {
  switch (p.phase) {
    case 'done':
      return `Done · ${formatBytes(p.total)}`;
    case 'failed':
      return `Failed: ${p.error ?? p.status}`;
    case 'cancelled':
      return 'Cancelled (pull again to resume)';
    case 'queued':
      return 'Queued';
    default:
      return `${formatPercent(p.percent)} · ${formatBytes(p.completed)} of ${p.total ? formatBytes(p.total) : '?'} · ${formatSpeed(p.bytesPerSecond)} · ${formatEta(p.etaSeconds)}`;
  }
}

export function createModels({ api, store }: PanelContext): Panel {
  const el = section('models', 'Models', 'Models come from Ollama; the gateway serves the installed ones on /v1.');
  const nameInput = h('input', {
    type: 'text',
    name: 'model',
    placeholder: 'llama3.2:1b or "ollama pull llama3.2:1b"',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const pullButton = h('button', { type: 'submit', class: 'primary' }, 'Pull');
  const pullErrors = errorSlot();
  const pulls = h('div', { class: 'pulls', 'data-testid': 'pulls' });
  const catalog = h('div', { class: 'cards' });
  const installed = h('div', { class: 'table-wrap' });
  const listErrors = errorSlot();
  const confirmSlot = h('div');

  const pull = (name: string, button: HTMLButtonElement | null) =>
    act(button, pullErrors, async () => {
      const state = await api.call('models.pull', { name });
      if (store.state)
        store.set({ ...store.state, pulls: [...store.state.pulls.filter((p) => p.name !== state.name), state] });
    });

  const form = h(
    'form',
    { class: 'row wrap', 'aria-label': 'Pull a model' },
    field('Model name', nameInput),
    pullButton,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void pull(nameInput.value, pullButton).then(() => (nameInput.value = ''));
  });

  el.append(
    form,
    pullErrors,
    h('h3', {}, 'Pulls'),
    pulls,
    h('h3', {}, 'Installed'),
    listErrors,
    confirmSlot,
    installed,
    h('h3', {}, 'Catalog'),
    catalog,
  );

  const pullRow = (p: PullState) => {
    const active = ACTIVE.has(p.phase);
    const cancel = h('button', { type: 'button', class: 'small' }, 'Cancel');
    cancel.addEventListener(
      'click',
      () => void act(cancel, pullErrors, () => api.call('models.cancelPull', { name: p.name })),
    );
    const bar = h('div', {
      class: `bar phase-${p.phase}`,
      role: 'progressbar',
      'aria-label': `Pull of ${p.name}`,
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': p.percent,
      'aria-valuetext': pullLine(p),
    });
    const fill = h('div', { class: 'fill' });
    fill.style.width = `${p.percent}%`;
    bar.append(fill);
    return h(
      'article',
      { class: `card pull phase-${p.phase}`, 'data-pull': p.name, 'data-phase': p.phase },
      h('div', { class: 'row spread' }, h('strong', {}, p.name), active ? cancel : null),
      bar,
      h('p', { class: 'muted pull-line' }, pullLine(p)),
      p.phase === 'failed'
        ? h(
            'p',
            { class: 'hint' },
            'Check the name on ollama.com/library and that Ollama can reach the internet; pulling again resumes.',
          )
        : null,
    );
  };

  const modelRow = (m: InstalledModel) => {
    const del = h('button', { type: 'button', class: 'small danger' }, 'Delete');
    del.addEventListener('click', () => {
      const yes = h('button', { type: 'button', class: 'danger' }, `Delete ${m.name}`);
      const no = h('button', { type: 'button' }, 'Keep it');
      replace(
        confirmSlot,
        h(
          'div',
          { class: 'confirm', role: 'alertdialog', 'aria-label': `Delete ${m.name}?` },
          h('p', {}, `Delete ${m.name} (${formatBytes(m.size)}) from Ollama?`),
          yes,
          no,
        ),
      );
      no.addEventListener('click', () => confirmSlot.replaceChildren());
      yes.addEventListener(
        'click',
        () =>
          void act(
            yes,
            listErrors,
            async () => (await api.call('models.delete', { name: m.name }), confirmSlot.replaceChildren()),
          ),
      );
      yes.focus();
    });
    return h(
      'tr',
      { 'data-model': m.name },
      h('td', {}, m.name),
      h('td', {}, formatBytes(m.size)),
      h('td', {}, m.family ?? '–'),
      h('td', {}, [m.parameterSize, m.quantization].filter(Boolean).join(' · ') || '–'),
      h('td', {}, m.contextLength ? m.contextLength.toLocaleString('en') : '–'),
      h('td', {}, m.loaded ? h('span', { class: 'pill status-healthy' }, 'loaded') : '–'),
      h('td', {}, del),
    );
  };

  const draw = (state: ControlState) => {
    const list = [...state.pulls].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    replace(pulls, ...(list.length ? list.map(pullRow) : [h('p', { class: 'muted' }, 'No pulls yet.')]));
    if (state.installed === null) {
      replace(installed, h('p', { class: 'muted' }, `Ollama has not answered yet (${state.settings.ollamaUrl}).`));
    } else {
      replace(
        installed,
        h(
          'table',
          { 'data-testid': 'installed' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Name', 'Size', 'Family', 'Parameters', 'Context', 'Loaded', ''].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          h('tbody', {}, ...state.installed.map(modelRow)),
        ),
      );
    }
    const have = new Set((state.installed ?? []).map((m) => m.name));
    const busy = new Set(state.pulls.filter((p) => ACTIVE.has(p.phase)).map((p) => p.name));
    replace(
      catalog,
      ...state.catalog.map((c) => {
        const installedNow = have.has(c.name) || have.has(`${c.name}:latest`);
        const b = h(
          'button',
          { type: 'button', class: 'small', disabled: installedNow || busy.has(c.name) },
          installedNow ? 'Installed' : busy.has(c.name) ? 'Pulling…' : 'Pull',
        );
        b.addEventListener('click', () => void pull(c.name, b));
        return h(
          'article',
          { class: 'card', 'data-catalog': c.name },
          h('h4', {}, c.title),
          h(
            'p',
            { class: 'muted' },
            `${c.name} · ${c.parameters} · ${formatBytes(c.size)}${c.small ? ' · small' : ''}`,
          ),
          h('p', {}, c.description),
          b,
        );
      }),
    );
  };
  store.subscribe(draw);
  return {
    id: 'models',
    title: 'Models',
    el,
    shown: () => void act(null, listErrors, () => api.call('models.list').then(() => store.reload())),
  };
}
