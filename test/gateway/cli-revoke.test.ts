// Issue 14: `llm-gateway keys revoke` (straight on the store, no admin token) broadcasts the invalidation over Redis
// like the admin API, so replicas that hold the key in their cache refuse it at once, not after KEY_CACHE_TTL_MS.
// Real PostgreSQL + Redis, two replicas; the CLI's own entry (revokeKey) with the same environment as the gateways.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { runCliEntry } from '../support/cli-entry.js';
import { revokeKey } from '../../main/cli/keys-command.js';

let h: Harness;
beforeAll(async () => {
  // A key cache far longer than the test: without the broadcast the revoked key would keep working.
  h = await startHarness({ kind: 'pg+redis', replicas: 2, env: { KEY_CACHE_TTL_MS: 600_000 } });
});
afterAll(async () => {
  await h?.close();
});

const models = (url: string, key: string) => fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });

it('a CLI revoke makes every replica refuse a cached key within a second', async () => {
  const { id, key } = await h.createKey();
  for (const gateway of h.gateways) expect((await models(gateway.url, key)).status).toBe(200); // cached on each

  const out = await runCliEntry(h, () => revokeKey(id));
  expect(out.logs).toContainEqual(expect.stringContaining(`revoked ${id}`));
  expect(out.errors).toEqual([]); // the broadcast went out
  // Pub/sub delivery is asynchronous: each replica refuses the key as soon as its subscriber got the message.
  for (const gateway of h.gateways) {
    await vi.waitFor(async () => expect((await models(gateway.url, key)).status).toBe(401), {
      timeout: 1000,
      interval: 20,
    });
  }
});
