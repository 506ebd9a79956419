// Which requests the response cache may keep, per protocol (the endpoint descriptors' deterministic()): sampling
// pinned by temperature 0 or a seed where the protocol has one, embeddings always, Ollama's load requests never.
import { describe, expect, it } from 'vitest';
import { ENDPOINTS } from '../protocols/index.js';

const endpoint = (path: string) => ENDPOINTS.find((e) => e.path === path)!;
const messages = [{ role: 'user', content: 'hi' }];

describe('deterministic requests', () => {
  it('OpenAI chat/completions: temperature 0 or an integer seed', () => {
    for (const path of ['/v1/chat/completions', '/v1/completions']) {
      const e = endpoint(path);
      expect(e.deterministic({ model: 'm', messages, temperature: 0 })).toBe(true);
      expect(e.deterministic({ model: 'm', messages, seed: 3 })).toBe(true);
      expect(e.deterministic({ model: 'm', messages, temperature: 0.7 })).toBe(false);
      expect(e.deterministic({ model: 'm', messages, seed: 1.5 })).toBe(false);
      expect(e.deterministic({ model: 'm', messages })).toBe(false);
    }
  });

  it('Responses and Anthropic Messages: temperature 0 only (they have no seed)', () => {
    for (const path of ['/v1/responses', '/v1/messages']) {
      const e = endpoint(path);
      expect(e.deterministic({ model: 'm', input: 'hi', messages, temperature: 0 })).toBe(true);
      expect(e.deterministic({ model: 'm', input: 'hi', messages, seed: 3 })).toBe(false);
      expect(e.deterministic({ model: 'm', input: 'hi', messages, temperature: '0' })).toBe(false);
    }
  });

  it('Ollama native chat/generate: options.temperature 0 or options.seed, never a load request', () => {
    const chat = endpoint('/api/chat');
    expect(chat.deterministic({ model: 'm', messages, options: { temperature: 0 } })).toBe(true);
    expect(chat.deterministic({ model: 'm', messages, options: { seed: 9 } })).toBe(true);
    expect(chat.deterministic({ model: 'm', messages, temperature: 0 })).toBe(false);
    expect(chat.deterministic({ model: 'm', messages: [], options: { temperature: 0 } })).toBe(false);
    expect(chat.deterministic({ model: 'm', options: { temperature: 0 } })).toBe(false);
    const generate = endpoint('/api/generate');
    expect(generate.deterministic({ model: 'm', prompt: 'hi', options: { seed: 1 } })).toBe(true);
    expect(generate.deterministic({ model: 'm', prompt: '', options: { seed: 1 } })).toBe(false);
  });

  it('embeddings in both protocols: always (nothing is sampled)', () => {
    for (const path of ['/v1/embeddings', '/api/embed', '/api/embeddings']) {
      expect(endpoint(path).deterministic({ model: 'm', input: 'x' })).toBe(true);
    }
  });
});
