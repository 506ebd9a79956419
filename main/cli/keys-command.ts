// `llm-gateway keys create|list|show|revoke|rotate`: key management straight on the gateway's store (same DATABASE_URL /
// SQLITE_PATH as the gateway), for embedded use without an admin token. A revocation is broadcast over REDIS_URL
// like the admin API's, so every replica refuses the key at once; without REDIS_URL (embedded SQLite) a running
// gateway sees it within its key-cache TTL (KEY_CACHE_TTL_MS), so revoke through the admin API there.
import { ConfigError, loadConfig } from '../../gateway/src/index.js';
import { openStore } from '../../gateway/src/index.js';
import { generateKey } from '../../gateway/src/index.js';
import { keyView } from '../../gateway/src/index.js';
import { broadcastKeyInvalidation, type GatewayConfig } from '../../gateway/src/index.js';
import type { Store } from '../../gateway/src/index.js';
import { renderKey } from './keys-render.js';
import { outputStyle, table } from './output.js';
import { CliError } from './errors.js';
import { allowedIpsSchema, MAX_IP_RULES, splitIpRules } from '../../common/protocol/ip-rules.js';

export function cliConfig(): GatewayConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError('config', err.message);
    throw err;
  }
}

export async function withStore<T>(run: (store: Store) => Promise<T>): Promise<T> {
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

export interface CreateKeyOptions {
  name?: string | undefined;
  models?: string[];
  rpm?: number;
  tpm?: number;
  maxConcurrent?: number;
  expiresInDays?: number;
  /** `--allow-ip`, repeatable, each maybe a comma list. */
  allowIp?: string[];
  /** `--cache`: deterministic requests use the response cache (README "Response cache"). */
  cache?: boolean;
  json?: boolean;
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

export async function createKey(opts: CreateKeyOptions): Promise<void> {
  if (!opts.name)
    throw new CliError('usage', 'keys create needs a name.', {
      next: 'Usage: llm-gateway keys create --name my-app (see `llm-gateway keys create --help`)',
    });
  const allowedIps = allowIps(opts.allowIp);
  const generated = generateKey();
  const name = opts.name;
  const record = await withStore((store) =>
    store.createKey({
      id: generated.id,
      name,
      hash: generated.hash,
      prefix: generated.prefix,
      models: opts.models ?? null,
      rpm: opts.rpm ?? null,
      tpm: opts.tpm ?? null,
      maxConcurrent: opts.maxConcurrent ?? null,
      allowedIps,
      cache: opts.cache === true,
      expiresAt: opts.expiresInDays ? new Date(Date.now() + opts.expiresInDays * 86_400_000) : null,
    }),
  );
  // Announced like the admin API's create, so running replicas add the hash to their known-key set at once.
  await announceKeyChange(cliConfig(), [record.hash], 'new key');
  if (opts.json) console.log(JSON.stringify({ ...keyView(record), key: generated.key }));
  else console.log(`${generated.key}\n(id ${record.id}; shown once: store it now)`);
}

export async function listKeys(opts: { json?: boolean }): Promise<void> {
  const views = (await withStore((store) => store.listKeys())).map((record) => keyView(record));
  if (opts.json) return void console.log(JSON.stringify(views));
  if (views.length === 0) return void console.log('No keys yet: `llm-gateway keys create --name my-app` makes one.');
  const style = outputStyle();
  console.log(
    table(
      ['ID', 'PREFIX', 'STATUS', 'NAME', 'LAST USED'],
      views.map((v) => [v.id, `${v.prefix}…`, style.status(v.status), v.name, v.last_used_at ?? '-']),
      { width: style.width },
    ),
  );
}

async function existingKey(store: Store, id: string) {
  const record = await store.getKey(id);
  if (!record) throw new CliError('not_found', `No key with id '${id}'.`);
  return record;
}

export async function showKey(id: string, opts: { json?: boolean }): Promise<void> {
  const view = keyView(await withStore((store) => existingKey(store, id)));
  if (opts.json) console.log(JSON.stringify(view));
  else console.log(renderKey(view, outputStyle()));
}

/** Tells every replica through Redis; without it, a warning says when running gateways notice. */
async function announceKeyChange(config: GatewayConfig, hashes: string[], what: string): Promise<void> {
  const broadcast = await broadcastKeyInvalidation(config, hashes);
  if (!broadcast.sent && broadcast.reason === 'redis_unreachable') {
    console.error(
      `llm-gateway: the ${what} is stored, but Redis could not be told (${broadcast.error ?? 'unreachable'}); ` +
        `running gateways notice later (a revocation within KEY_CACHE_TTL_MS, a new key within KEY_SET_REFRESH_MS). ` +
        `Use the admin API for an instant effect.`,
    );
  }
}

export async function revokeKey(id: string): Promise<void> {
  const record = await withStore(async (store) => {
    await existingKey(store, id);
    return store.revokeKey(id, new Date());
  });
  if (!record) throw new CliError('not_found', `No key with id '${id}'.`);
  await announceKeyChange(cliConfig(), [record.hash], 'revocation');
  console.log(`revoked ${record.id} (${record.prefix}…)`);
}

/**
 * The admin API's rotation, on the store: a successor with the same name, models and limits; the old key stays
 * valid for the grace period (default ROTATION_GRACE_HOURS) and names its successor.
 */
export async function rotateKey(id: string, opts: { graceHours?: number; json?: boolean }): Promise<void> {
  const config = cliConfig();
  const graceUntil = new Date(Date.now() + (opts.graceHours ?? config.ROTATION_GRACE_HOURS) * 3_600_000);
  const generated = generateKey();
  const rotated = await withStore(async (store) => {
    const old = await existingKey(store, id);
    if (old.revokedAt)
      throw new CliError('usage', `Key '${id}' is revoked, so it cannot be rotated.`, {
        next: 'Create a new key instead: llm-gateway keys create --name <name>',
      });
    return store.rotateKey(
      id,
      {
        id: generated.id,
        name: old.name,
        hash: generated.hash,
        prefix: generated.prefix,
        models: old.models,
        rpm: old.rpm,
        tpm: old.tpm,
        maxConcurrent: old.maxConcurrent,
        allowedIps: old.allowedIps,
        cache: old.cache,
        expiresAt: old.expiresAt && old.expiresAt > graceUntil ? old.expiresAt : null,
      },
      graceUntil,
    );
  });
  if (!rotated) throw new CliError('not_found', `Key '${id}' could not be rotated (revoked meanwhile?).`);
  await announceKeyChange(config, [rotated.old.hash, rotated.next.hash], 'rotation');
  const next = keyView(rotated.next);
  const previous = keyView(rotated.old);
  if (opts.json) return void console.log(JSON.stringify({ ...next, key: generated.key, previous }));
  console.log(
    `${generated.key}\n(new id ${next.id}; shown once: store it now)\n` +
      `The old key ${previous.id} (${previous.prefix}…) keeps working until ${previous.expires_at ?? 'revoked'}.`,
  );
}
