// `llm-gateway models list|pull|rm|show|ps`: Ollama's models through the control plane's own operations (the ones
// the tray and the dashboard call: models.list, models.pull, models.cancelPull, models.delete), on a control plane
// made for this one command: settings from the data folder (its Ollama URL), no gateway started, no stack.
import { suggest } from '../control/models/catalog.js';
import { createControlPlane, type ControlPlane } from '../control/api.js';
import { ControlError } from '../control/errors.js';
import type { InstalledModel, PullState } from '../../common/protocol/views.js';
import { normalizeModelName, parseModelInput } from '../control/models/model-name.js';
import { CliError } from './errors.js';
import { formatBytes, outputStyle, table, type OutputStyle } from './output.js';
import { PlainLines, endLine, ttyLine } from './pull-render.js';

async function withPlane<T>(run: (plane: ControlPlane) => Promise<T>, progressIntervalMs?: number): Promise<T> {
  const plane = createControlPlane({
    stack: null,
    docker: async () => false,
    ...(progressIntervalMs !== undefined ? { pullProgressIntervalMs: progressIntervalMs } : {}),
  });
  try {
    return await run(plane);
  } finally {
    await plane.close();
  }
}

function modelRows(models: InstalledModel[], style: OutputStyle): string {
  return table(
    ['NAME', 'SIZE', 'PARAMS', 'QUANT', 'CONTEXT', 'LOADED', 'MODIFIED'],
    models.map((m) => [
      m.name,
      formatBytes(m.size),
      m.parameterSize ?? '-',
      m.quantization ?? '-',
      m.contextLength === null ? '-' : String(m.contextLength),
      m.loaded ? style.status('loaded') : '-',
      m.modifiedAt ? m.modifiedAt.slice(0, 16).replace('T', ' ') : '-',
    ]),
    { width: style.width, right: [1, 4] },
  );
}

export async function listModels(opts: { json?: boolean }): Promise<void> {
  const models = await withPlane((plane) => plane.api['models.list']());
  if (opts.json) return void console.log(JSON.stringify(models));
  if (models.length === 0) return void console.log('No models installed: `llm-gateway models pull qwen3:8b` gets one.');
  console.log(modelRows(models, outputStyle()));
}

export async function loadedModels(opts: { json?: boolean }): Promise<void> {
  const models = (await withPlane((plane) => plane.api['models.list']())).filter((m) => m.loaded);
  if (opts.json) return void console.log(JSON.stringify(models));
  if (models.length === 0) return void console.log('No model is loaded in memory right now.');
  console.log(modelRows(models, outputStyle()));
}

export async function showModel(input: string, opts: { json?: boolean }): Promise<void> {
  const name = parseModelInput(input);
  const key = normalizeModelName(name);
  const models = await withPlane((plane) => plane.api['models.list']());
  const model = models.find((m) => normalizeModelName(m.name) === key);
  if (!model)
    throw new CliError('not_found', `${name} is not installed.`, {
      next: `Pull it with \`llm-gateway models pull ${name}\`, or list the installed ones with \`llm-gateway models list\`.`,
    });
  if (opts.json) return void console.log(JSON.stringify(model));
  const fields: Array<[string, string]> = [
    ['name', model.name],
    ['size', formatBytes(model.size)],
    ['family', model.family ?? '-'],
    ['parameters', model.parameterSize ?? '-'],
    ['quantization', model.quantization ?? '-'],
    ['context length', model.contextLength === null ? '-' : String(model.contextLength)],
    ['capabilities', model.capabilities.join(', ') || '-'],
    ['loaded', model.loaded ? 'yes' : 'no'],
    ['digest', model.digest || '-'],
    ['modified', model.modifiedAt || '-'],
  ];
  console.log(fields.map(([label, value]) => `${`${label}:`.padEnd(16)}${value}`).join('\n'));
}

export async function removeModel(input: string): Promise<void> {
  const { deleted } = await withPlane((plane) => plane.api['models.delete']({ name: input })).catch((err: unknown) => {
    if (err instanceof ControlError && err.code === 'model_not_found')
      throw new CliError('not_found', `${input.trim()} is not installed.`, {
        next: 'List the installed models with `llm-gateway models list`.',
      });
    throw err;
  });
  console.log(`deleted ${deleted}`);
}

/**
 * Pulls through the control plane's pull manager and shows its progress events. Ctrl-C cancels the pull (the
 * request to Ollama is aborted; the downloaded part stays, so the next pull resumes) and exits 130.
 */
export async function pullModel(input: string, opts: { json?: boolean }): Promise<void> {
  const style = outputStyle();
  const live = Boolean(process.stdout.isTTY) && !opts.json;
  const plain = new PlainLines();
  let drawn = false;
  const show = (state: PullState) => {
    if (opts.json) return void process.stdout.write(`${JSON.stringify({ type: 'pull-progress', pull: state })}\n`);
    if (live) {
      process.stdout.write(`\r\u001b[2K${ttyLine(state, process.stdout.columns || 80, style)}`);
      drawn = true;
      return;
    }
    const line = plain.line(state);
    if (line !== null) process.stdout.write(`${line}\n`);
  };
  const final = await withPlane(
    async (plane) => {
      // Subscribed before the pull starts, so no event (not even a fast failure) is missed.
      const key = normalizeModelName(parseModelInput(input));
      let settle!: (state: PullState) => void;
      const settled = new Promise<PullState>((resolve) => (settle = resolve));
      const off = plane.events.on((event) => {
        if (event.type !== 'pull-progress' || normalizeModelName(event.pull.name) !== key) return;
        show(event.pull);
        if (['done', 'failed', 'cancelled'].includes(event.pull.phase)) settle(event.pull);
      });
      const interrupt = () => void plane.api['models.cancelPull']({ name: input }).catch(() => undefined);
      process.once('SIGINT', interrupt);
      try {
        await plane.api['models.pull']({ name: input });
        return await settled;
      } finally {
        process.removeListener('SIGINT', interrupt);
        off();
      }
    },
    live ? 100 : 250,
  );
  if (drawn) process.stdout.write('\r\u001b[2K');
  if (opts.json) process.stdout.write(`${JSON.stringify({ type: 'result', pull: final })}\n`);
  if (final.phase === 'done') {
    if (!opts.json) console.log(endLine(final));
    return;
  }
  if (!opts.json) console.log(endLine(final));
  if (final.phase === 'cancelled')
    throw new CliError('interrupted', `The pull of ${final.name} was cancelled.`, {
      next: `The downloaded part is kept: \`llm-gateway models pull ${final.name}\` resumes it.`,
    });
  // A name the registry lacks is most often a typo or a missing tag: offer the curated catalog's nearest names.
  const near = suggest(final.name).filter((entry) => entry.name !== final.name);
  throw new ControlError(
    'pull_failed',
    `The pull of ${final.name} failed: ${final.error ?? final.status}`,
    undefined,
    near.length > 0 ? { hint: `Models people pull: ${near.map((entry) => entry.name).join(', ')}.` } : {},
  );
}
