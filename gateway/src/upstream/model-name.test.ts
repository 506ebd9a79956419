// Model names as Ollama matches them.
import { describe, expect, it } from 'vitest';
import { modelKey } from './model-name.js';

describe('modelKey', () => {
  it.each([
    ['llama3.2:1b', 'llama3.2:1b'],
    ['LLaMA3.2:1B', 'llama3.2:1b'],
    ['registry.ollama.ai/library/llama3.2:1b', 'llama3.2:1b'],
    ['library/llama3.2', 'llama3.2:latest'],
    ['nomic-embed-text', 'nomic-embed-text:latest'],
    ['  Qwen2.5:0.5b ', 'qwen2.5:0.5b'],
    ['someone/model', 'someone/model:latest'],
    ['registry.ollama.ai/someone/Model:Q4', 'someone/model:q4'],
    ['localhost:5000/x/model', 'localhost:5000/x/model:latest'],
  ])('%s → %s', (name, key) => {
    expect(modelKey(name)).toBe(key);
  });
});
