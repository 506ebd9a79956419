// Overview: the aggregated status, Start/Stop, one card per service (state, health, replicas, port, uptime), the
// OpenAI base URL and "Connect a client": copy-ready setups (Claude Code, Codex CLI, Open WebUI, the ollama client,
// curl, JavaScript, Python) filled with a chosen key and model, and the HTTPS card (how to trust the local CA).
import type { ControlState, ServiceHealth } from '../bridge/types.js';
import { copyText, field, h, replace } from '../ui/dom.js';
import { act, errorSlot } from '../ui/errors.js';
import { formatDuration } from '../ui/format.js';
import { CLIENTS, snippet, type SnippetClient } from '../ui/snippets.js';
import { createBackupCard } from './backup-card.js';
import { createDoctorCard } from './doctor-card.js';
import { section, type Panel, type PanelContext } from './panel.js';
import { tlsCard } from './tls-help.js';

const PLACEHOLDER_KEY = '$LLMGW_KEY';

function servicePort(id: string, state: ControlState): string | null {
  const p = state.settings.ports;
  if (id === 'nginx' || id === 'gateway') return state.gatewayUrl ? new URL(state.gatewayUrl).port : String(p.gateway);
  if (id === 'postgres') return String(p.postgres);
  if (id === 'redis') return String(p.redis);
  if (id === 'ollama') return new URL(state.settings.ollamaUrl).port || null;
  return null;
}

export function createOverview({ api, store }: PanelContext): Panel {
  const el = section('overview', 'Overview');
  const errors = errorSlot();
  const statusText = h('p', { class: 'status-line', 'data-testid': 'overview-status' });
  const modeText = h('p', { class: 'muted' });
  const start = h('button', { type: 'button', class: 'primary' }, 'Start');
  const stop = h('button', { type: 'button' }, 'Stop');
  const services = h('div', { class: 'cards', 'data-testid': 'service-cards' });
  const warnings = h('ul', { class: 'warnings' });
  const doctor = createDoctorCard(api);
  const backup = createBackupCard(api);
  let lastStatus: string | null = null;
  let uptime: number | null = null;

  const baseUrl = h('code', { 'data-testid': 'base-url' });
  const copyBase = h('button', { type: 'button', class: 'small' }, 'Copy');
  const keySelect = h('select', { 'aria-label': 'Key for the snippet' });
  const modelSelect = h('select', { 'aria-label': 'Model for the snippet' });
  let client: SnippetClient = 'claude-code';
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Client' });
  const code = h('pre', { class: 'snippet', tabindex: '0', 'data-testid': 'snippet' });
  const hint = h('p', { class: 'muted', 'data-testid': 'snippet-hint' });
  const copySnippet = h('button', { type: 'button', class: 'small' }, 'Copy snippet');
  const snippetErrors = errorSlot();
  const copied = h('span', { class: 'muted', 'aria-live': 'polite' });
  let key = PLACEHOLDER_KEY;

  const drawSnippet = () => {
    const state = store.state;
    const url = state?.gatewayUrl ?? `http://127.0.0.1:${state?.settings.ports.gateway ?? 3000}`;
    replace(baseUrl, `${url}/v1`);
    replace(code, snippet(client, url, key, modelSelect.value || 'llama3.2:1b'));
    code.dataset.client = client;
    replace(hint, CLIENTS.find((c) => c.id === client)?.hint ?? '');
    for (const tab of tabs.children)
      tab.setAttribute('aria-selected', String((tab as HTMLElement).dataset.client === client));
  };
  for (const c of CLIENTS) {
    tabs.append(
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          'data-client': c.id,
          onclick: () => ((client = c.id), replace(copied), drawSnippet()),
        },
        c.label,
      ),
    );
  }
  keySelect.addEventListener(
    'change',
    () =>
      void act(null, snippetErrors, async () => {
        key = keySelect.value ? (await api.call('keys.reveal', { id: keySelect.value })).key : PLACEHOLDER_KEY;
        drawSnippet();
      }),
  );
  modelSelect.addEventListener('change', drawSnippet);
  copyBase.addEventListener(
    'click',
    () =>
      void act(
        copyBase,
        snippetErrors,
        async () => (await copyText(baseUrl.textContent ?? ''), replace(copied, 'Base URL copied')),
      ),
  );
  copySnippet.addEventListener(
    'click',
    () =>
      void act(
        copySnippet,
        snippetErrors,
        async () => (
          await copyText(code.textContent ?? ''),
          replace(copied, `${CLIENTS.find((c) => c.id === client)?.label ?? 'Snippet'} setup copied`)
        ),
      ),
  );
  start.addEventListener(
    'click',
    () => void act(start, errors, () => api.call('gateway.start').then((s) => store.set(s))),
  );
  stop.addEventListener(
    'click',
    () => void act(stop, errors, () => api.call('gateway.stop').then((s) => store.set(s))),
  );

  const tlsSlot = h('div');
  el.append(
    h('div', { class: 'card wide' }, statusText, modeText, h('div', { class: 'row' }, start, stop), errors, warnings),
    doctor.el,
    h('h3', {}, 'Services'),
    services,
    h('h3', {}, 'HTTPS'),
    tlsSlot,
    h('h3', {}, 'Backups'),
    backup.el,
    h('h3', {}, 'Connect a client'),
    h(
      'div',
      { class: 'card wide' },
      h('p', {}, 'OpenAI base URL: ', baseUrl, ' ', copyBase),
      h('div', { class: 'row wrap' }, field('Key', keySelect), field('Model', modelSelect)),
      tabs,
      hint,
      code,
      h('div', { class: 'row' }, copySnippet, copied),
      snippetErrors,
    ),
  );

  const card = (s: ServiceHealth, state: ControlState) => {
    const port = servicePort(s.id, state);
    return h(
      'article',
      { class: `card service status-${s.status}`, 'data-service': s.id },
      h('h4', {}, s.label),
      h('p', {}, h('span', { class: `dot status-${s.status}` }), ` ${s.status}`),
      h('p', { class: 'muted' }, s.detail),
      s.hint && s.status !== 'healthy' ? h('p', { class: 'hint' }, `Fix: ${s.hint}`) : null,
      s.replicas ? h('p', {}, `Replicas: ${s.replicas.running}/${s.replicas.total}`) : null,
      port ? h('p', {}, `Port ${port}`) : null,
      (s.id === 'gateway' || s.id === 'nginx') && uptime !== null ? h('p', {}, `Up ${formatDuration(uptime)}`) : null,
    );
  };

  const draw = (state: ControlState) => {
    const { health } = state;
    // A new health status may have a new cause: ask the doctor again (not while starting/stopping: transient).
    if (lastStatus !== null && health.status !== lastStatus && state.busy === null) void doctor.refresh();
    lastStatus = health.status;
    replace(tlsSlot, tlsCard(state));
    replace(statusText, h('span', { class: `pill status-${health.status}` }, health.status), ' ', health.summary);
    replace(
      modeText,
      `Mode: ${state.mode === 'embedded' ? 'embedded (in-process gateway, SQLite; no Docker)' : 'Docker stack'} · Ollama: ${state.settings.ollamaUrl}`,
    );
    const running = health.status !== 'stopped' || state.gatewayUrl !== null;
    start.disabled = state.busy !== null || (running && health.status !== 'down');
    stop.disabled = state.busy !== null || !running;
    start.textContent = state.busy === 'starting' ? 'Starting…' : 'Start';
    stop.textContent = state.busy === 'stopping' ? 'Stopping…' : 'Stop';
    replace(
      services,
      ...(health.services.length
        ? health.services.map((s) => card(s, state))
        : [h('p', { class: 'muted' }, 'Nothing is running yet: press Start.')]),
    );
    replace(warnings, ...state.warnings.slice(-3).map((w) => h('li', {}, w)));
    const keyValue = keySelect.value;
    replace(
      keySelect,
      h('option', { value: '' }, 'placeholder ($LLMGW_KEY)'),
      ...state.vaultKeys.map((k) => h('option', { value: k.id }, k.name)),
    );
    keySelect.value = state.vaultKeys.some((k) => k.id === keyValue) ? keyValue : '';
    if (!keySelect.value) key = PLACEHOLDER_KEY;
    const modelValue = modelSelect.value;
    const models = (state.installed ?? []).map((m) => m.name);
    replace(modelSelect, ...(models.length ? models : ['llama3.2:1b']).map((m) => h('option', { value: m }, m)));
    if (models.includes(modelValue)) modelSelect.value = modelValue;
    drawSnippet();
  };

  const loadUptime = async () => {
    const url = store.state?.gatewayUrl;
    if (!url) return;
    try {
      const res = await fetch(`${url}/health`, { cache: 'no-store' });
      uptime = ((await res.json()) as { uptime?: number }).uptime ?? null;
      if (store.state) draw(store.state);
    } catch {
      uptime = null;
    }
  };

  store.subscribe(draw);
  return {
    id: 'overview',
    title: 'Overview',
    el,
    shown: () => {
      void loadUptime();
      void doctor.refresh();
      void backup.refresh();
    },
  };
}
