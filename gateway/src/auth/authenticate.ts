// Authentication at the edge: API keys (cached records, never a per-request query) on every protocol, sent as
// `Authorization: Bearer` or `x-api-key` (what Anthropic clients send), and the admin token.
import type { RequestContext } from '../http/context.js';
import type { KeyRecord } from '../store/types.js';
import type { GatewayDeps } from '../deps.js';
import { GatewayError } from '../errors.js';
import { addressAllowed } from './ip-allow.js';
import { bearerToken, hashKey, isWellFormedKey, secretsEqual } from './keys.js';

/** The credential a request carries: the bearer token, else `x-api-key`. */
export function presentedToken(ctx: RequestContext): string | null {
  const bearer = bearerToken(ctx.req.headers.authorization);
  if (bearer) return bearer;
  const apiKey = ctx.req.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim().length > 0 ? apiKey.trim() : null;
}

export async function authenticateKey(ctx: RequestContext, deps: GatewayDeps): Promise<KeyRecord> {
  const address = deps.clientAddress(ctx.req);
  if (deps.authFailures.blocked(address) && !presentsKnownKey(ctx, deps)) {
    throw new GatewayError(
      'auth_throttled',
      'Too many failed authentications from this address; check the API key and retry later.',
      { headers: { 'retry-after': String(Math.max(1, Math.ceil(1 / (deps.config.AUTH_FAILURE_PER_S || 1)))) } },
    );
  }
  let record: KeyRecord;
  try {
    record = await checkKey(ctx, deps);
  } catch (err) {
    if (err instanceof GatewayError && err.status === 401) deps.authFailures.fail(address);
    throw err;
  }
  ctx.keyId = record.id;
  // A valid key from the wrong place: not a failed authentication (the key is right), so not throttled as one.
  if (!addressAllowed(record, address)) {
    throw new GatewayError(
      'ip_not_allowed',
      `This API key may not be used from ${address} (ip_not_allowed): the key's allowed_ips do not include it. ` +
        'Use it from an allowed address, or have an admin add this one.',
    );
  }
  return record;
}

/** A well-formed key this replica knows of (memory only): such requests pass the failed-auth throttle. */
function presentsKnownKey(ctx: RequestContext, deps: GatewayDeps): boolean {
  const token = presentedToken(ctx);
  return token !== null && isWellFormedKey(token) && deps.keys.isKnown(hashKey(token));
}

async function checkKey(ctx: RequestContext, deps: GatewayDeps): Promise<KeyRecord> {
  const token = presentedToken(ctx);
  if (!token) {
    throw new GatewayError(
      'missing_api_key',
      "You didn't provide an API key. Send it as 'Authorization: Bearer llmgw_...' (or 'x-api-key: llmgw_...').",
    );
  }
  if (!isWellFormedKey(token)) throw invalidKey();
  let record: KeyRecord | null;
  try {
    record = await deps.keys.resolve(hashKey(token));
  } catch (err) {
    throw new GatewayError('service_unavailable', 'The key store is unreachable; try again shortly.', { cause: err });
  }
  if (!record) throw invalidKey();
  if (record.revokedAt) throw new GatewayError('revoked_api_key', 'This API key has been revoked.');
  if (record.expiresAt && record.expiresAt.getTime() <= Date.now()) {
    throw new GatewayError('expired_api_key', `This API key expired at ${record.expiresAt.toISOString()}.`);
  }
  return record;
}

function invalidKey(): GatewayError {
  return new GatewayError(
    'invalid_api_key',
    'Incorrect API key provided. Keys look like llmgw_ followed by 64 hex characters.',
  );
}

export function authenticateAdmin(ctx: RequestContext, deps: GatewayDeps): void {
  const expected = deps.config.ADMIN_TOKEN;
  if (!expected) {
    throw new GatewayError('admin_disabled', 'The admin API is disabled: start the gateway with ADMIN_TOKEN set.');
  }
  const token = bearerToken(ctx.req.headers.authorization);
  if (!token || !secretsEqual(token, expected)) {
    throw new GatewayError(
      'invalid_admin_token',
      'Missing or wrong admin token (Authorization: Bearer <ADMIN_TOKEN>).',
    );
  }
}

/**
 * Ollama's model management (pull, push, create, copy, delete, blobs) changes what every key can use, so only
 * the admin token may do it. A valid API key gets 403 saying so; anything else is a 401.
 */
export async function authorizeManagement(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const token = presentedToken(ctx);
  const expected = deps.config.ADMIN_TOKEN;
  if (token && expected && secretsEqual(token, expected)) return;
  if (!token || !isWellFormedKey(token)) {
    throw new GatewayError(
      'invalid_admin_token',
      `${ctx.path} manages models and needs the admin token: send 'Authorization: Bearer <ADMIN_TOKEN>'.`,
    );
  }
  await authenticateKey(ctx, deps);
  throw new GatewayError(
    'management_forbidden',
    `API keys cannot manage models (${ctx.path}). Pull, create, copy or delete models with the admin token ` +
      '(Authorization: Bearer <ADMIN_TOKEN>) or from the desktop app; API keys can use and list the models they are allowed.',
  );
}
