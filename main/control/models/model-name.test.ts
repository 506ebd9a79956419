// What a user may paste into "Pull a model".
import { describe, expect, it } from 'vitest';
import { normalizeModelName, parseModelInput } from './model-name.js';

describe('parseModelInput', () => {
  it.each([
    ['llama3.2:1b', 'llama3.2:1b'],
    ['  mistral  ', 'mistral'],
    ['ollama pull llama3.1:8b', 'llama3.1:8b'],
    ['ollama run qwen2.5:0.5b', 'qwen2.5:0.5b'],
    ['$ ollama run phi3:mini "Why is the sky blue?"', 'phi3:mini'],
    ['ollama pull --insecure myhost:5000/team/model:v1', 'myhost:5000/team/model:v1'],
    ['OLLAMA PULL nomic-embed-text', 'nomic-embed-text'],
    ['https://ollama.com/library/llama3.2:3b', 'llama3.2:3b'],
    ['hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M', 'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M'],
  ])('%s → %s', (input, name) => {
    expect(parseModelInput(input)).toBe(name);
  });

  it.each(['', 'ollama', 'ollama list', 'ollama pull', 'two words', 'bad name!', 'rm -rf /', ':tag'])(
    'refuses %j',
    (input) => {
      expect(() => parseModelInput(input)).toThrow(expect.objectContaining({ code: 'bad_model_name' }));
    },
  );

  it('normalises like Ollama', () => {
    expect(normalizeModelName('Mistral')).toBe('mistral:latest');
    expect(normalizeModelName('library/mistral:7b')).toBe('mistral:7b');
    expect(normalizeModelName('registry.ollama.ai/library/phi3')).toBe('phi3:latest');
  });
});
