// The small curated catalog the app offers to pull from: the seed's general models plus a few small ones that
// run on any laptop. Sizes are Ollama's download sizes (approximate) so users see what a pull costs.
import type { CatalogEntry } from '../../../common/protocol/views.js';
export type { CatalogEntry } from '../../../common/protocol/views.js';
const GB = 1_000_000_000;
const MB = 1_000_000;

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'llama3.1:8b',
    title: 'Llama 3.1 8B',
    description: "Meta's general-purpose chat model; good default with a GPU or 16 GB RAM.",
    size: 4.9 * GB,
    parameters: '8B',
    kind: 'chat',
    small: false,
  },
  {
    name: 'mistral:7b',
    title: 'Mistral 7B',
    description: 'Fast, capable 7B chat model from Mistral AI.',
    size: 4.1 * GB,
    parameters: '7B',
    kind: 'chat',
    small: false,
  },
  {
    name: 'phi3:mini',
    title: 'Phi-3 Mini',
    description: "Microsoft's 3.8B model; strong reasoning for its size.",
    size: 2.2 * GB,
    parameters: '3.8B',
    kind: 'chat',
    small: false,
  },
  {
    name: 'qwen2.5:7b',
    title: 'Qwen 2.5 7B',
    description: "Alibaba's multilingual model, good at code and structured output.",
    size: 4.7 * GB,
    parameters: '7B',
    kind: 'chat',
    small: false,
  },
  {
    name: 'llama3.2:1b',
    title: 'Llama 3.2 1B',
    description: 'Tiny Llama for quick tests and CPU-only machines.',
    size: 1.3 * GB,
    parameters: '1B',
    kind: 'chat',
    small: true,
  },
  {
    name: 'llama3.2:3b',
    title: 'Llama 3.2 3B',
    description: 'Small Llama with a 128K context; runs well on a laptop.',
    size: 2.0 * GB,
    parameters: '3B',
    kind: 'chat',
    small: true,
  },
  {
    name: 'qwen2.5:0.5b',
    title: 'Qwen 2.5 0.5B',
    description: 'The smallest useful chat model; ideal for smoke tests.',
    size: 398 * MB,
    parameters: '0.5B',
    kind: 'chat',
    small: true,
  },
  {
    name: 'nomic-embed-text',
    title: 'Nomic Embed Text',
    description: 'Embedding model for /v1/embeddings (search, RAG).',
    size: 274 * MB,
    parameters: '137M',
    kind: 'embedding',
    small: true,
  },
];
