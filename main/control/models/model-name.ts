// Understands what a user pastes into "Pull a model": a bare name, `ollama pull NAME`, `ollama run NAME`
// (with flags, a prompt after the name, or a `$ ` prompt in front), or an ollama.com library URL.
import { ControlError } from '../errors.js';

/** Ollama's model name shape: [host/][namespace/]model[:tag], lowercase letters, digits, . _ - */
const NAME =
  /^(?:[a-z0-9][a-z0-9.-]*(?::\d+)?\/)?(?:[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*(?::[a-z0-9][a-z0-9._-]{0,127})?$/i;

export function parseModelInput(input: string): string {
  let text = input.trim().replace(/^[$>#]\s*/, '');
  const url = /^https?:\/\/(?:www\.)?ollama\.com\/(?:library\/)?([^?#\s]+)/i.exec(text);
  if (url) text = decodeURIComponent(url[1]!).replace(/\/tags$/, '');
  const words = text.split(/\s+/).filter(Boolean);
  if (words[0]?.toLowerCase() === 'ollama') {
    const verb = words[1]?.toLowerCase();
    if (verb !== 'pull' && verb !== 'run') {
      throw new ControlError(
        'bad_model_name',
        `Only \`ollama pull NAME\` and \`ollama run NAME\` are understood, not \`${words.slice(0, 2).join(' ')}\`.`,
      );
    }
    // Flags such as --insecure or --verbose may come before the name; anything after it is a prompt.
    const name = words.slice(2).find((w) => !w.startsWith('-'));
    if (!name) throw new ControlError('bad_model_name', `\`ollama ${verb}\` needs a model name.`);
    text = name;
  } else if (words.length !== 1) {
    throw new ControlError('bad_model_name', `'${input.trim().slice(0, 80)}' is not a model name.`);
  }
  const name = text.replace(/^["']|["']$/g, '');
  if (!NAME.test(name) || name.length > 200)
    throw new ControlError('bad_model_name', `'${name.slice(0, 80)}' is not a valid model name.`);
  return name;
}

/** Ollama's equality of names: case-insensitive, a missing tag means `latest`, the default registry prefix ignored. */
export function normalizeModelName(name: string): string {
  const n = name
    .trim()
    .toLowerCase()
    .replace(/^registry\.ollama\.ai\//, '')
    .replace(/^library\//, '');
  const last = n.slice(n.lastIndexOf('/') + 1);
  return last.includes(':') ? n : `${n}:latest`;
}
