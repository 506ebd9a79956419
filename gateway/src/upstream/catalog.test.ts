// The model catalog: fetched once, shared between replicas, and never waited on by the hot path once known.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { makeModel, startOllamaUpstream, type OllamaUpstream } from '../../../test/fixtures/ollama-upstream/index.js';
import { MemorySharedCache } from '../shared/memory.js';
import { UpstreamPool } from './pool.js';
import { ModelCatalog, canonicalModel } from './catalog.js';

const log = pino({ level: 'silent' });

describe('ModelCatalog', () => {
  let upstream: OllamaUpstream;
  let pool: UpstreamPool;
  beforeAll(async () => {
    upstream = await startOllamaUpstream();
    pool = new UpstreamPool([upstream.url], { connectMs: 1000, firstByteMs: 5000, idleMs: 5000 }, log);
  });
  afterAll(async () => {
    await pool.close();
    await upstream.close();
  });

  it('builds OpenAI model entries with Ollama details and context length', async () => {
    const catalog = new ModelCatalog(pool, new MemorySharedCache(), 300, log);
    const models = await catalog.list();
    const llama = models.find((m) => m.id === 'llama3.2:1b')!;
    // Not loaded: what a client can use is Ollama's default context; the trained maximum is reported apart.
    expect(llama).toMatchObject({
      object: 'model',
      owned_by: 'ollama',
      family: 'llama',
      context_length: 4096,
      max_context_length: 131072,
    });
    expect(llama.upstreams).toEqual([upstream.url]);
    expect(canonicalModel('nomic-embed-text')).toBe('nomic-embed-text:latest');
  });

  it('reports a loaded model with the context_length /api/ps gives, never above the trained one', async () => {
    upstream.resetAll();
    upstream.behaviour.loadedContextLength = 32_768;
    await fetch(`${upstream.url}/api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi' }], stream: false }),
    });
    await fetch(`${upstream.url}/api/embed`, {
      method: 'POST',
      body: JSON.stringify({ model: 'nomic-embed-text', input: 'hi' }),
    });
    const models = await new ModelCatalog(pool, new MemorySharedCache(), 300, log, 8192).list();
    const byId = Object.fromEntries(models.map((m) => [m.id, m]));
    expect(byId['llama3.2:1b']).toMatchObject({ context_length: 32_768, max_context_length: 131_072 });
    expect(byId['nomic-embed-text:latest']).toMatchObject({ context_length: 2048, max_context_length: 2048 });
    // Not loaded: the configured default (OLLAMA_DEFAULT_CONTEXT_LENGTH), capped by the trained maximum.
    expect(byId['qwen2.5:0.5b']!.context_length).toBe(Math.min(8192, byId['qwen2.5:0.5b']!.max_context_length!));
    upstream.resetAll();
  });

  it('finds a model by any name Ollama accepts and answers with the name Ollama lists', async () => {
    const catalog = new ModelCatalog(pool, new MemorySharedCache(), 300, log);
    for (const name of ['LLaMA3.2:1B', 'registry.ollama.ai/library/llama3.2:1b', 'library/Llama3.2:1b']) {
      expect((await catalog.find(name))?.id).toBe('llama3.2:1b');
    }
    expect((await catalog.find('Nomic-Embed-Text'))?.id).toBe('nomic-embed-text:latest');
    expect(await catalog.find('llama3.2')).toBeUndefined(); // :latest is implied, and llama3.2:latest is not installed
  });

  it('shares one fetch between replicas through the shared cache', async () => {
    const shared = new MemorySharedCache();
    upstream.reset();
    await new ModelCatalog(pool, shared, 300, log).list();
    await new ModelCatalog(pool, shared, 300, log).list();
    expect(upstream.stats.requests['GET /api/tags']).toBe(1);
  });

  it('answers from memory without waiting when the local copy is stale (revalidates in the background)', async () => {
    const shared = new MemorySharedCache();
    const catalog = new ModelCatalog(pool, shared, 300, log);
    await catalog.list();
    const get = vi.spyOn(shared, 'get').mockImplementation(() => new Promise(() => {})); // a hung Redis
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 60_000);
    try {
      const models = await catalog.list(); // would hang if it awaited the shared cache
      expect(models.length).toBeGreaterThan(0);
      expect(get).toHaveBeenCalledTimes(1);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('refreshes once on a miss, so a model pulled a moment ago is found', async () => {
    const catalog = new ModelCatalog(pool, new MemorySharedCache(), 300, log);
    await catalog.list();
    upstream.models.push(makeModel('fresh:1b'));
    expect((await catalog.find('fresh:1b'))?.id).toBe('fresh:1b');
    expect(await catalog.find('never-pulled:1b')).toBeUndefined();
  });
});
