// Listing installed models (details, context length, loaded-now), delete and errors, against the test upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../../../test/fixtures/ollama-upstream/index.js';
import { post } from '../../../test/fixtures/ollama-upstream/test-utils.js';
import { OllamaClient } from './ollama-client.js';

let upstream: OllamaUpstream;
beforeAll(async () => {
  upstream = await startOllamaUpstream();
});
afterAll(() => upstream.close());

describe('OllamaClient', () => {
  it('lists installed models with size, family, parameters, quantization, context length and loaded state', async () => {
    await post(`${upstream.url}/api/chat`, { model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi' }], stream: false });
    const models = await new OllamaClient(upstream.url).list();
    const llama = models.find((m) => m.name === 'llama3.2:1b')!;
    expect(llama).toMatchObject({
      size: 1_321_098_329,
      family: 'llama',
      parameterSize: '1.2B',
      quantization: 'Q8_0',
      contextLength: 131_072,
      loaded: true,
    });
    expect(llama.capabilities).toContain('completion');
    const embed = models.find((m) => m.name === 'nomic-embed-text:latest')!;
    expect(embed).toMatchObject({ contextLength: 2048, loaded: false, family: 'nomic-bert' });
  });

  it('reads the version, deletes a model, and says model_not_found for a missing one', async () => {
    const client = new OllamaClient(upstream.url);
    expect(await client.version()).toBe('0.6.5');
    await client.delete('qwen2.5:0.5b');
    expect((await client.list()).map((m) => m.name)).not.toContain('qwen2.5:0.5b');
    await expect(client.delete('qwen2.5:0.5b')).rejects.toMatchObject({ code: 'model_not_found' });
  });

  it('says ollama_unreachable with the URL when nothing listens', async () => {
    const client = new OllamaClient('http://127.0.0.1:9', 1_000);
    await expect(client.version()).rejects.toMatchObject({ code: 'ollama_unreachable', message: expect.stringContaining('127.0.0.1:9') });
  });
});
