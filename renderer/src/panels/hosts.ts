// Hosts: each Ollama host the gateway routes to, its health, the models it has loaded (with when Ollama unloads
// them) and its load as routing sees it, re-read every three seconds while the panel is open.
import type { HostView } from '../../../common/protocol/index.js';
import { h, replace } from '../ui/dom.js';
import { act, errorSlot } from '../ui/errors.js';
import { formatBytes, relativeTime } from '../ui/format.js';
import { section, type Panel, type PanelContext } from './panel.js';

/** The host's one-word state: down (unreachable), busy (answered 503 just now), else up. */
export function hostState(host: HostView): { label: string; status: string } {
  if (!host.healthy) return { label: 'down', status: 'down' };
  if (host.busy) return { label: 'busy', status: 'degraded' };
  return { label: 'up', status: 'healthy' };
}

function hostCard(host: HostView, now: number): HTMLElement {
  const state = hostState(host);
  const load = `${host.inFlight} in flight${host.parallel === null ? '' : ` · parallel ${host.parallel} per model`}`;
  return h(
    'article',
    { class: 'card', 'data-testid': 'host', 'data-host': host.name },
    h(
      'h3',
      {},
      `${host.name} `,
      h('span', { class: `pill status-${state.status}`, 'data-testid': 'host-state' }, state.label),
    ),
    h('p', { class: 'muted' }, host.url, host.version ? ` · Ollama ${host.version}` : ''),
    h('p', { 'data-testid': 'host-load' }, load),
    host.lastError ? h('p', { class: 'muted' }, `Last error: ${host.lastError}`) : null,
    host.loaded.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'host-models' }, 'No model loaded.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { 'data-testid': 'host-models' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['Loaded model', 'In flight', 'VRAM', 'Context', 'Unloads'].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            h(
              'tbody',
              {},
              ...host.loaded.map((model) =>
                h(
                  'tr',
                  {},
                  h('td', {}, model.name),
                  h('td', {}, `${model.inFlight}${model.saturated ? ' (saturated)' : ''}`),
                  h('td', {}, formatBytes(model.sizeVram)),
                  h('td', {}, model.contextLength === null ? '–' : String(model.contextLength)),
                  h('td', {}, relativeTime(model.expiresAt, now)),
                ),
              ),
            ),
          ),
        ),
  );
}

export function createHosts({ api }: PanelContext): Panel {
  const el = section(
    'hosts',
    'Hosts',
    'Requests go to a host that has the model loaded, then to the least busy one; a host at its parallelism or ' +
      'answering "server busy" passes the request on. Load is that of the gateway replica that answered.',
  );
  const errors = errorSlot();
  const replica = h('p', { class: 'muted', 'data-testid': 'hosts-replica' });
  const list = h('div', { class: 'hosts-list', 'data-testid': 'hosts' });
  let timer: ReturnType<typeof setInterval> | undefined;

  const load = () =>
    act(null, errors, async () => {
      const report = await api.call('upstreams.get');
      const now = Date.now();
      replace(replica, `As seen by gateway replica ${report.instance}.`);
      replace(list, ...report.hosts.map((host) => hostCard(host, now)));
    });
  el.append(errors, replica, list);
  return {
    id: 'hosts',
    title: 'Hosts',
    el,
    shown: () => {
      void load();
      clearInterval(timer);
      timer = setInterval(() => void load(), 3000);
    },
    hidden: () => clearInterval(timer),
  };
}
