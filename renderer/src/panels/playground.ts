// Playground: a streaming chat sent from this page straight to the gateway's /v1/chat/completions with a chosen
// key — the browser's own CORS path, like any web app would — showing tokens as they arrive, then usage and timing.
import { sseData } from '../bridge/sse.js';
import type { ControlState } from '../bridge/types.js';
import { UiError } from '../api.js';
import { field, h, replace } from '../ui/dom.js';
import { act, errorSlot } from '../ui/errors.js';
import { section, type Panel, type PanelContext } from './panel.js';

const HINTS: Record<number, string> = {
  401: 'The key is missing, wrong or revoked: pick another key (Keys panel) or create one.',
  403: 'This key may not use that model: pick another model or a key allowed to use it.',
  404: 'The model is not installed: pull it in the Models panel.',
  429: 'The key hit its rate limit: wait for the time in retry-after, or raise its RPM/TPM.',
  502: 'Ollama answered with an error; check Ollama and the gateway logs.',
  503: 'No Ollama upstream is available: start Ollama (see Overview).',
  504: 'Ollama took too long: the model may still be loading; try again.',
};

/** The gateway's OpenAI error envelope (or a status line) → UiError with a next step. */
export function chatError(status: number, body: unknown): UiError {
  const e = (body as { error?: { message?: string; code?: string } } | null)?.error;
  return new UiError({
    code: e?.code ?? `http_${status}`,
    message: `Gateway ${status}: ${e?.message ?? 'request failed'}`,
    hint: HINTS[status] ?? 'See the gateway logs (Logs panel).',
  });
}

/** Text deltas of one OpenAI stream chunk; the usage when it carries one; an error event's message. */
export function parseChunk(data: string): {
  text: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  error?: string;
} {
  const o = JSON.parse(data) as {
    choices?: Array<{ delta?: { content?: string } }>;
    usage?: { prompt_tokens: number; completion_tokens: number } | null;
    error?: { message?: string };
  };
  if (o.error) return { text: '', error: o.error.message ?? 'stream error' };
  const text = (o.choices ?? []).map((c) => c.delta?.content ?? '').join('');
  return o.usage ? { text, usage: o.usage } : { text };
}

export function createPlayground({ api, store }: PanelContext): Panel {
  const el = section(
    'playground',
    'Playground',
    'Chats go from this page to the gateway directly (CORS), with the key you pick.',
  );
  const keySelect = h('select', { 'aria-label': 'Key' });
  const pasted = h('input', {
    type: 'password',
    placeholder: 'or paste llmgw_…',
    autocomplete: 'off',
    'aria-label': 'Pasted key',
  });
  const model = h('select', { 'aria-label': 'Model' });
  const prompt = h('textarea', { rows: 3, 'aria-label': 'Message' });
  prompt.value = 'What is 2+2?';
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const stop = h('button', { type: 'button', disabled: true }, 'Stop');
  const errors = errorSlot();
  const output = h('div', { class: 'reply', 'aria-live': 'polite', 'data-testid': 'reply' });
  const stats = h('p', { class: 'muted', 'data-testid': 'reply-stats' });
  let controller: AbortController | null = null;

  const keyOf = async (): Promise<string> => {
    if (pasted.value.trim()) return pasted.value.trim();
    if (!keySelect.value)
      throw new UiError({
        code: 'no_key',
        message: 'Pick a key first.',
        hint: 'Create a key in the Keys panel, or paste one.',
      });
    return (await api.call('keys.reveal', { id: keySelect.value })).key;
  };

  const chat = async () => {
    const url = store.state?.gatewayUrl;
    if (!url)
      throw new UiError({
        code: 'gateway_unreachable',
        message: 'The gateway is not running.',
        hint: 'Start it on the Overview panel.',
      });
    const key = await keyOf();
    controller = new AbortController();
    stop.disabled = false;
    replace(output);
    replace(stats, 'Waiting for the first token…');
    const started = performance.now();
    let first: number | null = null;
    let chunks = 0;
    let res: Response;
    try {
      res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: model.value,
          stream: true,
          stream_options: { include_usage: true },
          messages: [{ role: 'user', content: prompt.value }],
        }),
        signal: controller.signal,
      });
    } catch (err) {
      if (controller.signal.aborted) return;
      throw new UiError({
        code: 'cors_or_network',
        message: `The gateway at ${url} could not be reached from this page (${(err as Error).message}).`,
        hint: "Check that the gateway runs and that its CORS_ORIGINS allows this page's origin.",
      });
    }
    if (!res.ok || !res.body) throw chatError(res.status, await res.json().catch(() => null));
    try {
      for await (const data of sseData(res.body, controller.signal)) {
        if (data === '[DONE]') break;
        const chunk = parseChunk(data);
        if (chunk.error)
          throw new UiError({
            code: 'stream_error',
            message: `The stream broke: ${chunk.error}`,
            hint: 'Try again; the Logs panel shows why.',
          });
        if (chunk.text) {
          first ??= performance.now();
          chunks += 1;
          output.append(h('span', { class: 'token' }, chunk.text));
        }
        if (chunk.usage) {
          replace(
            stats,
            `${chunk.usage.prompt_tokens} prompt + ${chunk.usage.completion_tokens} completion tokens · first token ${Math.round((first ?? performance.now()) - started)} ms · total ${Math.round(performance.now() - started)} ms`,
          );
        }
      }
      if (!stats.textContent?.includes('tokens'))
        replace(stats, `${chunks} chunks · total ${Math.round(performance.now() - started)} ms`);
    } catch (err) {
      if (!controller.signal.aborted) throw err;
    }
  };

  const form = h(
    'form',
    { class: 'card wide', 'aria-label': 'Chat' },
    h('div', { class: 'row wrap' }, field('Key', keySelect), field('Or a key', pasted), field('Model', model)),
    field('Message', prompt),
    h('div', { class: 'row' }, send, stop),
    errors,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void act(send, errors, chat).finally(() => {
      stop.disabled = true;
      controller = null;
    });
  });
  prompt.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  stop.addEventListener('click', () => {
    controller?.abort();
    replace(stats, 'Stopped.');
  });

  const draw = (state: ControlState) => {
    const k = keySelect.value;
    replace(
      keySelect,
      h('option', { value: '' }, state.vaultKeys.length ? 'Pick a key' : 'No keys yet'),
      ...state.vaultKeys.map((v) => h('option', { value: v.id }, v.name)),
    );
    if (state.vaultKeys.some((v) => v.id === k)) keySelect.value = k;
    else if (state.vaultKeys.length) keySelect.value = state.vaultKeys[state.vaultKeys.length - 1]!.id;
    const m = model.value;
    const chatModels = (state.installed ?? [])
      .filter((x) => !x.capabilities.includes('embedding') || x.capabilities.includes('completion'))
      .map((x) => x.name);
    replace(model, ...chatModels.map((n) => h('option', { value: n }, n)));
    if (chatModels.includes(m)) model.value = m;
  };
  store.subscribe(draw);
  el.append(form, h('h3', {}, 'Reply'), output, stats);
  return { id: 'playground', title: 'Playground', el };
}
