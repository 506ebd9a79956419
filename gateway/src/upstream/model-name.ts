// Model names as Ollama matches them: case-insensitive, the default registry and `library/` namespace optional,
// a missing tag meaning `:latest`. The key is for lookups only; clients are answered with the name Ollama lists.

const DEFAULT_REGISTRY = 'registry.ollama.ai/';
const DEFAULT_NAMESPACE = 'library/';

/** The lookup key of a model name: `Registry.Ollama.AI/library/Llama3` → `llama3:latest`. */
export function modelKey(name: string): string {
  let key = name.trim().toLowerCase();
  if (key.startsWith(DEFAULT_REGISTRY)) key = key.slice(DEFAULT_REGISTRY.length);
  if (key.startsWith(DEFAULT_NAMESPACE)) key = key.slice(DEFAULT_NAMESPACE.length);
  const lastSegment = key.slice(key.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? key : `${key}:latest`;
}
