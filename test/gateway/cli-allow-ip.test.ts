// Issue 16: `llm-gateway keys create --allow-ip CIDR` (repeatable or comma-separated) stores the key's allow-list
// straight in the gateway's store; the gateway then serves the key from a listed address only. Bad rules are a
// usage error and create nothing. The CLI's own entry (runKeys) with the embedded gateway's SQLite file.
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { requestFrom } from '../support/from-address.js';
import { createKey, type CreateKeyOptions } from '../../main/cli/keys-command.js';
import { CliError } from '../../main/cli/errors.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ kind: 'embedded' });
});
afterAll(async () => {
  await h?.close();
});

async function cli(options: CreateKeyOptions): Promise<string> {
  const env = { ...process.env };
  const sqlite = h.gateways[0]!.deps.config.SQLITE_PATH;
  Object.assign(process.env, { SQLITE_PATH: path.resolve(sqlite) });
  delete process.env.DATABASE_URL;
  delete process.env.REDIS_URL;
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await createKey(options);
    return log.mock.calls.map((call) => String(call[0])).join('\n');
  } finally {
    log.mockRestore();
    process.env = env;
  }
}

it('creates a key bound to the given addresses; the gateway refuses it elsewhere', async () => {
  // `--allow-ip 127.0.0.2 --allow-ip 10.0.0.0/8,::1`: repeated, and a comma list.
  const out = await cli({ name: 'cli-ip', allowIp: ['127.0.0.2', '10.0.0.0/8,::1'], json: true });
  const created = JSON.parse(out) as { key: string; allowed_ips: string[] };
  expect(created.allowed_ips).toEqual(['127.0.0.2', '10.0.0.0/8', '::1']);
  const models = (from: string) =>
    requestFrom(from, `${h.url}/v1/models`, { headers: { authorization: `Bearer ${created.key}` } });
  // Made outside the gateway (no broadcast): the known-key set lets it be looked up within a few tries.
  await vi.waitFor(async () => expect((await models('127.0.0.2')).status).toBe(200), { timeout: 3000, interval: 100 });
  const refused = await models('127.0.0.3');
  expect(refused.status).toBe(403);
  expect(refused.json.error.code).toBe('ip_not_allowed');
});

it('refuses a bad rule as a usage error and creates nothing', async () => {
  const before = (await h.gateways[0]!.deps.store.listKeys()).length;
  await expect(cli({ name: 'bad', allowIp: ['10.0.0.0/40'] })).rejects.toSatisfy(
    (err: unknown) => err instanceof CliError && /--allow-ip/.test(err.message),
  );
  expect((await h.gateways[0]!.deps.store.listKeys()).length).toBe(before);
});
