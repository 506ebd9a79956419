// The catalog data loads through its schema: the seed's four models are kept, the models Ollama's docs name are
// there with tags, every size is whole bytes; a bad edit (duplicate, bad name, unknown field) is refused by name.
import { describe, expect, it } from 'vitest';
import { CATALOG_DATA } from './catalog-data.js';
import { catalog, parseCatalog, suggest } from './catalog.js';

describe('catalog', () => {
  it("keeps the seed's four models and adds today's (gpt-oss, qwen3, qwen3-coder, gemma3, deepseek-r1, embeddings)", () => {
    const names = catalog().map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['llama3.1:8b', 'mistral:7b', 'phi3:mini', 'qwen2.5:7b']));
    expect(names).toEqual(
      expect.arrayContaining(['gpt-oss:20b', 'qwen3:8b', 'qwen3-coder:30b', 'gemma3:4b', 'deepseek-r1:8b']),
    );
    expect(
      catalog()
        .filter((e) => e.kind === 'embedding')
        .map((e) => e.name),
    ).toEqual(expect.arrayContaining(['embeddinggemma', 'nomic-embed-text']));
    for (const entry of catalog()) expect(Number.isInteger(entry.size)).toBe(true);
    expect(catalog().some((e) => e.small && e.kind === 'chat')).toBe(true);
  });

  it('refuses a duplicate, a bad name and an unknown field, naming the entry', () => {
    const data = CATALOG_DATA as Array<Record<string, unknown>>;
    expect(() => parseCatalog([...data, { ...data[0]! }])).toThrow(/entry \d+\.name: llama3\.1:8b is listed twice/);
    expect(() => parseCatalog([{ ...data[0]!, name: 'Llama 3' }])).toThrow(/entry 0\.name/);
    expect(() => parseCatalog([{ ...data[0]!, vram: '8GB' }])).toThrow(/entry 0/);
    expect(() => parseCatalog([{ ...data[0]!, kind: 'vision' }])).toThrow(/entry 0\.kind/);
  });

  it('suggests entries for a partial name: exact, then prefix, then same family', () => {
    expect(suggest('qwen3-coder:30b')[0]!.name).toBe('qwen3-coder:30b');
    expect(suggest('qwen3').map((e) => e.name)).toEqual(
      expect.arrayContaining(['qwen3:8b', 'qwen3:4b', 'qwen3-coder:30b']),
    );
    expect(suggest('gemma3:99b').map((e) => e.name)).toEqual(expect.arrayContaining(['gemma3:4b', 'gemma3:1b']));
    expect(suggest('nothing-like-it')).toEqual([]);
    expect(suggest('')).toEqual([]);
  });
});
