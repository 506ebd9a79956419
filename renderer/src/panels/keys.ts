// Keys: create (name, allowed models, RPM/TPM, expiry, allowed client IPs) and show the plaintext once; list with
// prefix, name, limits, IPs, last use, expiry; copy (plaintexts the app holds), change the IP allow-list, rotate and
// revoke, each destructive action confirmed inline.
import type { AppKey, ControlState, CreatedKey } from '../bridge/types.js';
import { allowedIpsSchema, splitIpRules } from '../../../common/protocol/ip-rules.js';
import { copyText, field, h, replace } from '../ui/dom.js';
import { act, errorSlot } from '../ui/errors.js';
import { relativeTime } from '../ui/format.js';
import { section, type Panel, type PanelContext } from './panel.js';

function numberOrUndefined(input: HTMLInputElement): number | undefined {
  return input.value.trim() === '' ? undefined : Number(input.value);
}

export function limitsText(k: Pick<AppKey, 'rpm' | 'tpm'> & { max_concurrent?: number | null }): string {
  const base = `${k.rpm ?? '∞'} rpm · ${k.tpm ?? '∞'} tpm`;
  return k.max_concurrent ? `${base} · ${k.max_concurrent} at once` : base;
}

/** The allow-list typed into a field: null when empty (anywhere); a clear error naming the bad rule otherwise. */
export function ipRulesFrom(text: string): string[] | null {
  const rules = splitIpRules(text);
  if (rules.length === 0) return null;
  const parsed = allowedIpsSchema.safeParse(rules);
  if (parsed.success) return parsed.data;
  const bad = rules.find((rule) => !allowedIpsSchema.element.safeParse(rule).success);
  throw new Error(
    bad
      ? `'${bad}' is not an IPv4/IPv6 address or CIDR (e.g. 192.168.1.0/24, ::1).`
      : 'Too many allowed IPs (at most 100).',
  );
}

export function createKeys({ api, store }: PanelContext): Panel {
  const el = section(
    'keys',
    'API keys',
    'Keys are `llmgw_…`; the gateway stores only a hash. The app keeps the plaintext of keys made here so you can copy them later.',
  );
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const rpm = h('input', { type: 'number', name: 'rpm', min: 1, inputmode: 'numeric', placeholder: 'default' });
  const tpm = h('input', { type: 'number', name: 'tpm', min: 1, inputmode: 'numeric', placeholder: 'default' });
  const concurrent = h('input', {
    type: 'number',
    name: 'max_concurrent',
    min: 1,
    max: 10_000,
    inputmode: 'numeric',
    placeholder: 'default',
  });
  const days = h('input', { type: 'number', name: 'expires', min: 1, max: 3650, placeholder: 'never' });
  const ips = h('input', {
    type: 'text',
    name: 'allowed_ips',
    autocomplete: 'off',
    placeholder: 'any (e.g. 192.168.1.0/24, ::1)',
  });
  const modelBox = h('fieldset', { class: 'models-pick' }, h('legend', {}, 'Allowed models (none ticked = all)'));
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create key');
  const createErrors = errorSlot();
  const created = h('div', { 'aria-live': 'polite' });
  const list = h('div', { class: 'table-wrap' });
  const listErrors = errorSlot();
  const confirmSlot = h('div');
  const status = h('p', { class: 'muted', 'aria-live': 'polite' });

  const form = h(
    'form',
    { class: 'card wide', 'aria-label': 'Create a key' },
    h(
      'div',
      { class: 'row wrap' },
      field('Name', name),
      field('Requests / min', rpm),
      field('Tokens / min', tpm),
      field('In flight at once', concurrent),
      field('Expires in days', days),
      field('Allowed client IPs', ips),
    ),
    modelBox,
    h('div', { class: 'row' }, create),
    createErrors,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const models = [...modelBox.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    void act(create, createErrors, async () => {
      const allowedIps = ipRulesFrom(ips.value);
      const input = {
        name: name.value,
        ...(models.length ? { models } : {}),
        ...(numberOrUndefined(rpm) !== undefined ? { rpm: numberOrUndefined(rpm)! } : {}),
        ...(numberOrUndefined(tpm) !== undefined ? { tpm: numberOrUndefined(tpm)! } : {}),
        ...(numberOrUndefined(concurrent) !== undefined ? { maxConcurrent: numberOrUndefined(concurrent)! } : {}),
        ...(numberOrUndefined(days) !== undefined ? { expiresInDays: numberOrUndefined(days)! } : {}),
        ...(allowedIps ? { allowedIps } : {}),
      };
      showCreated(await api.call('keys.create', input), 'created');
      form.reset();
      await refresh();
    });
  });

  const showCreated = (key: CreatedKey, verb: string) => {
    const value = h('input', {
      type: 'text',
      readonly: true,
      class: 'secret',
      'aria-label': 'New key',
      'data-testid': 'new-key',
    });
    value.value = key.key;
    const copy = h('button', { type: 'button', class: 'primary' }, 'Copy');
    const done = h('button', { type: 'button' }, 'Done');
    const note = h('span', { class: 'muted', 'aria-live': 'polite' });
    copy.addEventListener(
      'click',
      () =>
        void act(copy, createErrors, async () => (await copyText(key.key), replace(note, 'Copied to the clipboard'))),
    );
    done.addEventListener('click', () => created.replaceChildren());
    replace(
      created,
      h(
        'div',
        { class: 'card wide created', role: 'status' },
        h('h3', {}, `Key “${key.name}” ${verb}`),
        h(
          'p',
          {},
          'This is the only time the gateway shows the full key. Copy it now (the app also keeps it in its vault).',
        ),
        h('div', { class: 'row wrap' }, value, copy, done, note),
      ),
    );
    value.select();
    copy.focus();
  };

  const confirm = (text: string, label: string, action: () => Promise<unknown>) => {
    const yes = h('button', { type: 'button', class: 'danger' }, label);
    const no = h('button', { type: 'button' }, 'Cancel');
    replace(
      confirmSlot,
      h(
        'div',
        { class: 'confirm', role: 'alertdialog', 'aria-label': text },
        h('p', {}, text),
        h('div', { class: 'row' }, yes, no),
      ),
    );
    no.addEventListener('click', () => confirmSlot.replaceChildren());
    yes.addEventListener(
      'click',
      () => void act(yes, listErrors, async () => (await action(), confirmSlot.replaceChildren(), await refresh())),
    );
    yes.focus();
  };

  // The allow-list of a live key, changed in place (every replica follows at once; no new secret needed).
  const editAllowedIps = (k: AppKey) => {
    const input = h('input', {
      type: 'text',
      'aria-label': `Allowed client IPs for ${k.name}`,
      placeholder: 'any (e.g. 192.168.1.0/24, ::1)',
    });
    input.value = k.allowed_ips?.join(', ') ?? '';
    const save = h('button', { type: 'button', class: 'primary' }, 'Save IPs');
    const cancel = h('button', { type: 'button' }, 'Cancel');
    replace(
      confirmSlot,
      h(
        'div',
        { class: 'confirm', role: 'dialog', 'aria-label': `Allowed IPs of ${k.name}` },
        h('p', {}, `Client addresses ${k.name} may be used from (comma-separated; empty = any). Others get 403.`),
        h('div', { class: 'row wrap' }, input, save, cancel),
      ),
    );
    cancel.addEventListener('click', () => confirmSlot.replaceChildren());
    save.addEventListener(
      'click',
      () =>
        void act(save, listErrors, async () => {
          await api.call('keys.setAllowedIps', { id: k.id, allowedIps: ipRulesFrom(input.value) });
          confirmSlot.replaceChildren();
          await refresh();
        }),
    );
    input.focus();
  };

  const row = (k: AppKey) => {
    const active = k.status === 'active';
    const copy = h(
      'button',
      {
        type: 'button',
        class: 'small',
        disabled: !k.inVault || !active,
        title: k.inVault ? 'Copy the key' : 'Made elsewhere: rotate it to get a copy here',
      },
      'Copy',
    );
    copy.addEventListener(
      'click',
      () =>
        void act(
          copy,
          listErrors,
          async () => (
            await copyText((await api.call('keys.reveal', { id: k.id })).key),
            replace(status, `Copied ${k.name}`)
          ),
        ),
    );
    const rotate = h('button', { type: 'button', class: 'small', disabled: !active }, 'Rotate');
    rotate.addEventListener('click', () =>
      confirm(`Rotate ${k.name}? The old key keeps working for 24 hours.`, 'Rotate', async () =>
        showCreated(await api.call('keys.rotate', { id: k.id }), 'rotated'),
      ),
    );
    const editIps = h('button', { type: 'button', class: 'small', disabled: !active }, 'IPs');
    editIps.addEventListener('click', () => editAllowedIps(k));
    const revoke = h('button', { type: 'button', class: 'small danger', disabled: !active }, 'Revoke');
    revoke.addEventListener('click', () =>
      confirm(`Revoke ${k.name} (${k.prefix}…)? Clients using it get 401 within a second.`, 'Revoke', () =>
        api.call('keys.revoke', { id: k.id }),
      ),
    );
    return h(
      'tr',
      { 'data-key': k.id, 'data-status': k.status },
      h('td', {}, h('code', {}, `${k.prefix}…`)),
      h('td', {}, k.name),
      h('td', {}, h('span', { class: `pill key-${k.status}` }, k.status)),
      h('td', {}, k.models?.join(', ') ?? 'all'),
      h('td', {}, limitsText(k)),
      h('td', {}, k.allowed_ips?.join(', ') ?? 'any'),
      h('td', {}, relativeTime(k.last_used_at)),
      h('td', {}, k.expires_at ? relativeTime(k.expires_at) : 'never'),
      h('td', { class: 'actions' }, copy, editIps, rotate, revoke),
    );
  };

  const refresh = () =>
    act(null, listErrors, async () => {
      const keys = await api.call('keys.list');
      const sorted = [...keys].sort((a, b) =>
        a.status === b.status ? b.created_at.localeCompare(a.created_at) : a.status === 'active' ? -1 : 1,
      );
      replace(
        list,
        keys.length === 0
          ? h('p', { class: 'muted' }, 'No keys yet.')
          : h(
              'table',
              { 'data-testid': 'keys' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...['Prefix', 'Name', 'Status', 'Models', 'Limits', 'Allowed IPs', 'Last used', 'Expires', ''].map(
                    (t) => h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h('tbody', {}, ...sorted.map(row)),
            ),
      );
    });

  let modelsDrawn = '';
  const drawModels = (state: ControlState) => {
    const names = (state.installed ?? []).map((m) => m.name);
    if (names.join() === modelsDrawn) return;
    modelsDrawn = names.join();
    const legend = modelBox.querySelector('legend')!;
    replace(
      modelBox,
      legend,
      ...names.map((n) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: n }), n)),
    );
  };
  store.subscribe(drawModels);
  store.onEvent((e) => {
    if (e.type === 'keys-changed' && el.isConnected && !el.hidden) void refresh();
  });

  el.append(form, created, h('h3', {}, 'Keys'), confirmSlot, listErrors, status, list);
  return { id: 'keys', title: 'Keys', el, shown: () => void refresh() };
}
