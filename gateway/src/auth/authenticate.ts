// Authentication at the edge: API keys for /v1 (cached records, never a per-request query) and the admin token.
import type { RequestContext } from '../http/context.js';
import type { KeyRecord } from '../store/types.js';
import type { GatewayDeps } from '../deps.js';
import { GatewayError } from '../errors.js';
import { bearerToken, hashKey, isWellFormedKey, secretsEqual } from './keys.js';

export async function authenticateKey(ctx: RequestContext, deps: GatewayDeps): Promise<KeyRecord> {
  const token = bearerToken(ctx.req.headers.authorization);
  if (!token) {
    throw new GatewayError(
      'missing_api_key',
      "You didn't provide an API key. Send it as 'Authorization: Bearer llmgw_...'.",
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
  return new GatewayError('invalid_api_key', 'Incorrect API key provided. Keys look like llmgw_ followed by 64 hex characters.');
}

export function authenticateAdmin(ctx: RequestContext, deps: GatewayDeps): void {
  const expected = deps.config.ADMIN_TOKEN;
  if (!expected) {
    throw new GatewayError('admin_disabled', 'The admin API is disabled: start the gateway with ADMIN_TOKEN set.');
  }
  const token = bearerToken(ctx.req.headers.authorization);
  if (!token || !secretsEqual(token, expected)) {
    throw new GatewayError('invalid_admin_token', 'Missing or wrong admin token (Authorization: Bearer <ADMIN_TOKEN>).');
  }
}
