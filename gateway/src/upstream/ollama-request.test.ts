// The body sent to Ollama: edited only where Ollama reads a request differently, else the received bytes.
import { describe, expect, it } from 'vitest';
import { completionBound, ollamaRequestBody } from './ollama-request.js';

const input = (json: Record<string, unknown>, stream = false, model = 'llama3.2:1b') => ({
  json,
  raw: Buffer.from(JSON.stringify(json)),
  stream,
  model,
});

describe('ollamaRequestBody', () => {
  it('forwards the received bytes when nothing needs an edit', () => {
    const request = input({ model: 'llama3.2:1b', messages: [], max_tokens: 5 });
    expect(ollamaRequestBody(request)).toBe(request.raw);
  });

  it("renames max_completion_tokens to max_tokens; the client's max_tokens wins", () => {
    expect(JSON.parse(String(ollamaRequestBody(input({ model: 'llama3.2:1b', max_completion_tokens: 7 }))))).toEqual({
      model: 'llama3.2:1b',
      max_tokens: 7,
    });
    const both = JSON.parse(
      String(ollamaRequestBody(input({ model: 'llama3.2:1b', max_tokens: 3, max_completion_tokens: 7 }))),
    );
    expect(both).toEqual({ model: 'llama3.2:1b', max_tokens: 3 });
  });

  it('sends the model under the name Ollama lists and streams always ask for usage', () => {
    const sent = JSON.parse(
      String(ollamaRequestBody(input({ model: 'LLaMA3.2:1B', stream: true, stream_options: { foo: 1 } }, true))),
    );
    expect(sent).toEqual({ model: 'llama3.2:1b', stream: true, stream_options: { foo: 1, include_usage: true } });
  });
});

describe('completionBound', () => {
  it('reads either name, max_tokens first', () => {
    expect(completionBound({ max_completion_tokens: 9 })).toBe(9);
    expect(completionBound({ max_tokens: 2, max_completion_tokens: 9 })).toBe(2);
    expect(completionBound({})).toBeUndefined();
  });
});
