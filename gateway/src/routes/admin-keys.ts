// Admin API for keys: create (plaintext shown once), list, get, update (allowed_ips, cache), revoke, rotate. Invalidation reaches every replica.
// The admin token is checked before these run (routes/router.ts marks the admin routes).
import { z } from 'zod';
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import type { KeyRecord, NewKey } from '../store/types.js';
import { generateKey } from '../auth/keys.js';
import { bodyLimits, readJson } from '../http/body.js';
import { parseBody } from './schemas.js';
import { GatewayError } from '../errors.js';
import { allowedIpsSchema } from '../../../common/protocol/ip-rules.js';

const limit = z.number().int().positive().max(100_000_000).nullish();
const futureDate = z
  .union([z.iso.datetime({ offset: true }), z.number().int().positive()])
  .transform((value) => (typeof value === 'number' ? new Date(value * 1000) : new Date(value)))
  .refine((date) => date.getTime() > Date.now(), 'must be in the future');

const createKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  models: z.array(z.string().min(1).max(256)).min(1).max(1000).nullish(),
  rpm: limit,
  tpm: limit,
  /** Requests in flight at once (streams included); null = the gateway's DEFAULT_MAX_CONCURRENT. */
  max_concurrent: z.number().int().positive().max(10_000).nullish(),
  expires_at: futureDate.nullish(),
  /** Client addresses / CIDRs the key may be used from; null or absent = anywhere. */
  allowed_ips: allowedIpsSchema.nullish(),
  /** Deterministic requests use the response cache (unless a request sends x-llmgw-cache: false); default false. */
  cache: z.boolean().optional(),
});

/** What a live key may have changed in place (the rest is fixed at creation; rotate for a new secret). */
const updateKeyBody = z
  .strictObject({ allowed_ips: allowedIpsSchema.nullable().optional(), cache: z.boolean().optional() })
  .refine((body) => body.allowed_ips !== undefined || body.cache !== undefined, {
    message: 'give allowed_ips and/or cache',
  });

const rotateBody = z.strictObject({
  grace_hours: z
    .number()
    .nonnegative()
    .max(24 * 365)
    .optional(),
});

export function keyView(record: KeyRecord, now = Date.now()) {
  const status = record.revokedAt
    ? 'revoked'
    : record.expiresAt && record.expiresAt.getTime() <= now
      ? 'expired'
      : 'active';
  return {
    id: record.id,
    object: 'api_key',
    name: record.name,
    prefix: record.prefix,
    status,
    models: record.models,
    rpm: record.rpm,
    tpm: record.tpm,
    max_concurrent: record.maxConcurrent,
    allowed_ips: record.allowedIps,
    cache: record.cache,
    created_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt?.toISOString() ?? null,
    revoked_at: record.revokedAt?.toISOString() ?? null,
    last_used_at: record.lastUsedAt?.toISOString() ?? null,
    replaced_by: record.replacedBy,
  };
}

async function bodyOf<T extends z.ZodType>(ctx: RequestContext, deps: GatewayDeps, schema: T, optional = false) {
  if (
    optional &&
    (ctx.req.headers['content-length'] === '0' || ctx.req.headers['content-length'] === undefined) &&
    ctx.req.headers['transfer-encoding'] === undefined
  ) {
    return parseBody(schema, {});
  }
  const { json } = await readJson(ctx, bodyLimits(deps.config));
  return parseBody(schema, json);
}

function newKeyFrom(input: z.output<typeof createKeyBody>): { plaintext: string; key: NewKey } {
  const generated = generateKey();
  return {
    plaintext: generated.key,
    key: {
      id: generated.id,
      name: input.name,
      hash: generated.hash,
      prefix: generated.prefix,
      models: input.models ?? null,
      rpm: input.rpm ?? null,
      tpm: input.tpm ?? null,
      maxConcurrent: input.max_concurrent ?? null,
      allowedIps: input.allowed_ips ?? null,
      cache: input.cache ?? false,
      expiresAt: input.expires_at ?? null,
    },
  };
}

export async function createKey(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const input = await bodyOf(ctx, deps, createKeyBody);
  const { plaintext, key } = newKeyFrom(input);
  const record = await deps.store.createKey(key);
  // A lookup of this key before it existed may sit in a negative cache somewhere.
  await deps.keys.invalidate(record.hash).catch(() => undefined);
  deps.log.info({ keyId: record.id, prefix: record.prefix }, 'key created');
  deps.respond.json(ctx, 201, { ...keyView(record), key: plaintext });
}

export async function listKeys(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const records = await deps.store.listKeys();
  deps.respond.json(ctx, 200, { object: 'list', data: records.map((record) => keyView(record)) });
}

async function existing(deps: GatewayDeps, id: string): Promise<KeyRecord> {
  const record = await deps.store.getKey(id);
  if (!record) throw new GatewayError('key_not_found', `No key with id '${id}'.`, { param: 'id' });
  return record;
}

export async function getKey(ctx: RequestContext, deps: GatewayDeps, id: string): Promise<void> {
  deps.respond.json(ctx, 200, keyView(await existing(deps, id)));
}

export async function updateKey(ctx: RequestContext, deps: GatewayDeps, id: string): Promise<void> {
  const input = await bodyOf(ctx, deps, updateKeyBody);
  const old = await existing(deps, id);
  if (old.revokedAt) throw new GatewayError('invalid_request', `Key '${id}' is revoked; it cannot be changed.`);
  const record = await deps.store.updateKey(id, {
    ...(input.allowed_ips !== undefined ? { allowedIps: input.allowed_ips } : {}),
    ...(input.cache !== undefined ? { cache: input.cache } : {}),
  });
  if (!record) throw new GatewayError('invalid_request', `Key '${id}' could not be updated (revoked meanwhile?).`);
  // Every replica drops its cached record, so the new list holds everywhere within the invalidation delay.
  await deps.keys.invalidate(record.hash);
  deps.log.info({ keyId: id, allowedIps: record.allowedIps, cache: record.cache }, 'key updated');
  deps.respond.json(ctx, 200, keyView(record));
}

export async function revokeKey(ctx: RequestContext, deps: GatewayDeps, id: string): Promise<void> {
  await existing(deps, id);
  const record = (await deps.store.revokeKey(id, new Date()))!;
  await deps.keys.invalidate(record.hash);
  deps.log.info({ keyId: id }, 'key revoked');
  deps.respond.json(ctx, 200, keyView(record));
}

export async function rotateKey(ctx: RequestContext, deps: GatewayDeps, id: string): Promise<void> {
  const input = await bodyOf(ctx, deps, rotateBody, true);
  const old = await existing(deps, id);
  if (old.revokedAt) throw new GatewayError('invalid_request', `Key '${id}' is revoked; create a new key instead.`);
  const graceHours = input.grace_hours ?? deps.config.ROTATION_GRACE_HOURS;
  const graceUntil = new Date(Date.now() + graceHours * 3_600_000);
  const { plaintext, key } = newKeyFrom({
    name: old.name,
    models: old.models,
    rpm: old.rpm,
    tpm: old.tpm,
    max_concurrent: old.maxConcurrent,
    allowed_ips: old.allowedIps,
    cache: old.cache,
    expires_at: old.expiresAt && old.expiresAt > graceUntil ? old.expiresAt : null,
  });
  const rotated = await deps.store.rotateKey(id, key, graceUntil);
  if (!rotated) throw new GatewayError('invalid_request', `Key '${id}' could not be rotated (revoked meanwhile?).`);
  await deps.keys.invalidate(rotated.old.hash);
  // The successor is a new hash: every replica adds it to its set of known keys.
  await deps.keys.invalidate(rotated.next.hash).catch(() => undefined);
  deps.log.info({ keyId: id, successor: rotated.next.id }, 'key rotated');
  deps.respond.json(ctx, 201, {
    ...keyView(rotated.next),
    key: plaintext,
    previous: keyView(rotated.old),
  });
}
