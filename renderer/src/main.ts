// The dashboard's entry: picks the bridge (Electron IPC or serve's HTTP), loads the state, wires events into the
// store, builds the panels and routes between them by URL hash (#/overview, #/models, …).
import './styles.css';
import { createApi, UiError } from './api.js';
import { pickBridge } from './bridge/index.js';
import { createHosts } from './panels/hosts.js';
import { createKeys } from './panels/keys.js';
import { createLogs } from './panels/logs.js';
import { createModels } from './panels/models.js';
import { createOverview } from './panels/overview.js';
import type { Panel } from './panels/panel.js';
import { createPlayground } from './panels/playground.js';
import { createReadiness } from './panels/readiness.js';
import { createUsage } from './panels/usage.js';
import { Store } from './store.js';
import { h, replace } from './ui/dom.js';
import { showError } from './ui/errors.js';
import { setupTheme } from './ui/theme.js';

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const pill = document.getElementById('status-pill')!;
setupTheme(document.getElementById('theme-toggle') as HTMLButtonElement);

function fatal(message: string, hint: string): void {
  const slot = h('div', { class: 'error-slot' });
  showError(slot, new UiError({ code: 'fatal', message, hint }));
  replace(main, h('section', { class: 'panel' }, h('h2', {}, 'The dashboard cannot connect'), slot));
  replace(pill, 'offline');
}

async function boot(): Promise<void> {
  const choice = pickBridge(window as Window & { llmgw?: never }, (connected) =>
    document.body.classList.toggle('disconnected', !connected),
  );
  if (choice.kind === 'none') return fatal(choice.reason, choice.hint);
  const api = createApi(choice.bridge);
  const store = new Store(api);
  choice.bridge.onEvent((event) => store.handle(event));
  try {
    await store.load();
  } catch (err) {
    const e = err as { message?: string; hint?: string };
    return fatal(e.message ?? String(err), e.hint ?? 'Reload the page.');
  }
  document.body.dataset.bridge = choice.kind;
  store.subscribe((state) => {
    pill.className = `pill status-${state.health.status}`;
    pill.textContent = state.busy ?? state.health.status;
    pill.title = state.health.summary;
  });
  // Events carry every change; a slow poll covers a dropped event stream.
  setInterval(() => void store.reload(), 15_000);

  const ctx = { api, store };
  const panels: Panel[] = [
    createOverview(ctx),
    createModels(ctx),
    createHosts(ctx),
    createKeys(ctx),
    createReadiness(ctx),
    createUsage(ctx),
    createLogs(ctx),
    createPlayground(ctx),
  ];
  for (const panel of panels) {
    panel.el.hidden = true;
    main.append(panel.el);
    nav.append(h('a', { href: `#/${panel.id}`, 'data-panel': panel.id }, panel.title));
  }
  let current: Panel | undefined;
  const route = () => {
    const id = /^#\/([a-z]+)/.exec(location.hash)?.[1] ?? 'overview';
    const next = panels.find((p) => p.id === id) ?? panels[0]!;
    if (next === current) return;
    current?.hidden?.();
    if (current) current.el.hidden = true;
    next.el.hidden = false;
    current = next;
    for (const link of nav.querySelectorAll('a')) {
      if (link.dataset.panel === next.id) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${next.title} · LLM Gateway`;
    next.shown?.();
  };
  window.addEventListener('hashchange', () => {
    route();
    main.focus({ preventScroll: true });
  });
  route();
  document.body.dataset.ready = 'true';
}

void boot();
