// `llm-gateway keys create|list|revoke`: key management straight on the gateway's store (same DATABASE_URL /
// SQLITE_PATH as the gateway), for embedded use without an admin token. A revocation is broadcast over REDIS_URL
// like the admin API's, so every replica refuses the key at once; without REDIS_URL (embedded SQLite) a running
// gateway sees it within its key-cache TTL (KEY_CACHE_TTL_MS), so revoke through the admin API there.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../gateway/src/index.js';
import { openStore } from '../../gateway/src/index.js';
import { generateKey } from '../../gateway/src/index.js';
import { keyView } from '../../gateway/src/index.js';
import { broadcastKeyInvalidation, type GatewayConfig } from '../../gateway/src/index.js';
import type { Store } from '../../gateway/src/index.js';
import { CliError } from './errors.js';
import { allowedIpsSchema, MAX_IP_RULES, splitIpRules } from '../../common/protocol/ip-rules.js';

function cliConfig(): GatewayConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError('config', err.message);
    throw err;
  }
}

async function withStore<T>(run: (store: Store) => Promise<T>): Promise<T> {
  const config = cliConfig();
  let store: Store;
  try {
    store = await openStore({
      sqlitePath: config.SQLITE_PATH,
      ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
      ...(config.DATABASE_SCHEMA ? { schema: config.DATABASE_SCHEMA } : {}),
    });
  } catch (err) {
    throw new CliError('store_unreachable', `The key store could not be opened: ${(err as Error).message}`);
  }
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

function positiveInt(value: string | undefined, flag: string): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new CliError('usage', `${flag} must be a positive whole number, got '${value}'.`);
  return n;
}

/** `--allow-ip CIDR`, repeatable or comma-separated; checked like the admin API's `allowed_ips`. */
function allowIps(values: string[] | undefined): string[] | null {
  if (values === undefined) return null;
  const parsed = allowedIpsSchema.safeParse(values.flatMap(splitIpRules));
  if (!parsed.success) {
    throw new CliError(
      'usage',
      `--allow-ip takes IPv4/IPv6 addresses or CIDRs (e.g. --allow-ip 10.0.0.0/8,::1), at most ${MAX_IP_RULES}; ` +
        `got '${values.join(',')}'.`,
    );
  }
  return parsed.data;
}

export async function runKeys(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      models: { type: 'string' },
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      'max-concurrent': { type: 'string' },
      'expires-in-days': { type: 'string' },
      'allow-ip': { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  if (action === 'create') {
    const name = values.name ?? positionals[0];
    if (!name) throw new CliError('usage', 'keys create needs a name: llm-gateway keys create --name my-app');
    const days = positiveInt(values['expires-in-days'], '--expires-in-days');
    const allowedIps = allowIps(values['allow-ip']);
    const generated = generateKey();
    const record = await withStore((store) =>
      store.createKey({
        id: generated.id,
        name,
        hash: generated.hash,
        prefix: generated.prefix,
        models: values.models
          ? values.models
              .split(',')
              .map((m) => m.trim())
              .filter(Boolean)
          : null,
        rpm: positiveInt(values.rpm, '--rpm'),
        tpm: positiveInt(values.tpm, '--tpm'),
        maxConcurrent: positiveInt(values['max-concurrent'], '--max-concurrent'),
        allowedIps,
        expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null,
      }),
    );
    if (values.json) console.log(JSON.stringify({ ...keyView(record), key: generated.key }));
    else console.log(`${generated.key}\n(id ${record.id}; shown once: store it now)`);
    return;
  }
  if (action === 'list') {
    const records = await withStore((store) => store.listKeys());
    if (values.json) console.log(JSON.stringify(records.map((record) => keyView(record))));
    else
      for (const r of records.map((record) => keyView(record)))
        console.log(`${r.id}  ${r.prefix}…  ${r.status.padEnd(7)}  ${r.name}`);
    return;
  }
  if (action === 'revoke') {
    const id = positionals[0];
    if (!id) throw new CliError('usage', 'keys revoke needs a key id: llm-gateway keys revoke <id>');
    const record = await withStore((store) => store.revokeKey(id, new Date()));
    if (!record) throw new CliError('not_found', `No key with id '${id}'.`);
    const broadcast = await broadcastKeyInvalidation(cliConfig(), [record.hash]);
    console.log(`revoked ${record.id} (${record.prefix}…)`);
    if (!broadcast.sent && broadcast.reason === 'redis_unreachable') {
      console.error(
        `llm-gateway: the revocation is stored, but Redis could not be told (${broadcast.error ?? 'unreachable'}); ` +
          'running gateways refuse the key within KEY_CACHE_TTL_MS. Revoke through the admin API for an instant effect.',
      );
    }
    return;
  }
  throw new CliError('usage', `Unknown keys action '${action ?? ''}'. Use create, list or revoke.`);
}
