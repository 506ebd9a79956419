// Listing installed models (details, context length, loaded-now), delete and errors, against the test upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../../../test/fixtures/ollama-upstream/index.js';
import { post } from '../../../test/fixtures/ollama-upstream/test-utils.js';
import { DEFAULT_PULL_IDLE_TIMEOUT_MS, OllamaClient, type PullLine } from './ollama-client.js';

let upstream: OllamaUpstream;
beforeAll(async () => {
  upstream = await startOllamaUpstream();
});
afterAll(() => upstream.close());

describe('OllamaClient', () => {
  it('lists installed models with size, family, parameters, quantization, context length and loaded state', async () => {
    await post(`${upstream.url}/api/chat`, {
      model: 'llama3.2:1b',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
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
    await expect(client.version()).rejects.toMatchObject({
      code: 'ollama_unreachable',
      message: expect.stringContaining('127.0.0.1:9'),
    });
  });

  describe('pull through a silent verification (Ollama sends nothing while it hashes a large download)', () => {
    const pullAll = async (client: OllamaClient, name: string) => {
      const lines: PullLine[] = [];
      for await (const line of client.pull(name, new AbortController().signal)) lines.push(line);
      return lines;
    };

    it('finishes when the silence is within the pull idle limit, whatever the HTTP client would allow', async () => {
      upstream.behaviour.pullVerifyDelayMs = 1_500;
      try {
        const lines = await pullAll(new OllamaClient(upstream.url, 1_000, 10_000), 'phi3:mini');
        expect(lines.map((l) => l.status).slice(-3)).toEqual([
          'verifying sha256 digest',
          'writing manifest',
          'success',
        ]);
      } finally {
        upstream.resetAll();
      }
    });

    it("the silence limit is the client's own setting: past it the pull fails saying what happened", async () => {
      upstream.behaviour.pullVerifyDelayMs = 1_500;
      try {
        // Scaled down (undici's timers are coarse, ~0.5 s): 300 ms stands for the 30-minute default.
        await expect(pullAll(new OllamaClient(upstream.url, 1_000, 300), 'phi3:mini')).rejects.toMatchObject({
          code: 'pull_failed',
          message: expect.stringContaining('sent nothing'),
        });
      } finally {
        upstream.resetAll();
      }
    });

    it("defaults to a limit far above the 300 s body timeout of Node's fetch", () => {
      expect(new OllamaClient(upstream.url).pullIdleTimeoutMs).toBe(DEFAULT_PULL_IDLE_TIMEOUT_MS);
      expect(DEFAULT_PULL_IDLE_TIMEOUT_MS).toBeGreaterThanOrEqual(30 * 60_000);
    });

    it('says ollama_unreachable with the URL when nothing listens', async () => {
      await expect(pullAll(new OllamaClient('http://127.0.0.1:9'), 'phi3:mini')).rejects.toMatchObject({
        code: 'ollama_unreachable',
        message: expect.stringContaining('127.0.0.1:9'),
      });
    });
  });
});
