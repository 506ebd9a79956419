// Issue 16, "Response cache": `llm-gateway keys create --cache` (straight on the store) makes a key whose
// deterministic requests the running gateway answers from its response cache. Real PostgreSQL + Redis.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { runCliEntry } from '../support/cli-entry.js';
import { createKey } from '../../main/cli/keys-command.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ kind: 'pg+redis' });
});
afterAll(async () => {
  await h?.close();
});

it('keys create --cache stores the setting, shows it, and the gateway caches that key’s requests', async () => {
  const out = await runCliEntry(h, () => createKey({ name: 'cli-cached', cache: true, json: true }));
  expect(out.errors).toEqual([]);
  const created = JSON.parse(out.logs[0] ?? '') as { key: string; cache: boolean };
  expect(created.cache).toBe(true);
  const ask = () =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: h.upstream.models[0]!.name,
        messages: [{ role: 'user', content: 'cached by the CLI key?' }],
        temperature: 0,
      }),
    });
  expect((await ask()).headers.get('x-cache')).toBe('miss');
  expect((await ask()).headers.get('x-cache')).toBe('hit');
  expect(h.upstream.stats.requests['POST /v1/chat/completions']).toBe(1);

  const plain = await runCliEntry(h, () => createKey({ name: 'cli-plain', json: true }));
  expect((JSON.parse(plain.logs[0] ?? '') as { cache: boolean }).cache).toBe(false);
});
