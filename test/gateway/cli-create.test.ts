// Issue 14: `llm-gateway keys create` (straight on the store, no admin token) announces the new key's hash over Redis
// like the admin API's create, so replicas whose known-key set would otherwise miss it (unknown hashes are never
// looked up here: UNKNOWN_KEY_LOOKUPS_PER_S=0, and the set is not rebuilt during the test) serve it at once.
// Real PostgreSQL + Redis, two replicas; the CLI's own entry (createKey) with the same environment as the gateways.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { runCliEntry } from '../support/cli-entry.js';
import { createKey } from '../../main/cli/keys-command.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    kind: 'pg+redis',
    replicas: 2,
    env: { UNKNOWN_KEY_LOOKUPS_PER_S: 0, KEY_SET_REFRESH_MS: 0 },
  });
});
afterAll(async () => {
  await h?.close();
});

const models = (url: string, key: string) => fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });

it('a key made by the CLI is served by every running replica within a second', async () => {
  const out = await runCliEntry(h, () => createKey({ name: 'cli-made', json: true }));
  expect(out.errors).toEqual([]); // the announcement went out
  const { key } = JSON.parse(out.logs[0] ?? '') as { key: string };
  for (const gateway of h.gateways) {
    await vi.waitFor(async () => expect((await models(gateway.url, key)).status).toBe(200), {
      timeout: 1000,
      interval: 20,
    });
  }
});
