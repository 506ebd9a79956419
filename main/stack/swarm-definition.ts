// The Swarm stack definition: Compose's merged, resolved view of docker-compose.yml + docker-compose.swarm.yml
// (`docker compose config --format json`), made readable by `docker stack deploy`. Pure: the controller runs compose.
// Why a conversion at all: the stack loader validates against the Compose file format 3.x schema, which refuses the
// Compose Specification's top-level `name`, and nulls where 3.x wants a value; a service is never written twice.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { StackError } from './errors.js';

export const SWARM_OVERLAY_FILE = 'docker-compose.swarm.yml';

/** The secrets the overlay names (external: `up --swarm` creates them), each from the stack's env values. */
export const SWARM_SECRETS = [
  'llmgw_database_url',
  'llmgw_redis_url',
  'llmgw_admin_token',
  'llmgw_postgres_password',
  'llmgw_redis_conf',
  'llmgw_redis_password',
] as const;
export type SwarmSecretName = (typeof SWARM_SECRETS)[number];

/** What each secret holds, from stack.env's generated values (the same the Compose stack puts in its environment). */
export function swarmSecretValues(values: Record<string, string>): Record<SwarmSecretName, string> {
  const need = (key: string): string => {
    const value = values[key];
    if (!value) throw new StackError('env_file', `stack.env has no ${key}; remove the file to regenerate it.`);
    return value;
  };
  const user = need('POSTGRES_USER');
  const password = need('POSTGRES_PASSWORD');
  const redis = need('REDIS_PASSWORD');
  return {
    llmgw_database_url: `postgres://${user}:${password}@postgres:5432/${need('POSTGRES_DB')}`,
    llmgw_redis_url: `redis://:${redis}@redis:6379`,
    llmgw_admin_token: need('ADMIN_TOKEN'),
    llmgw_postgres_password: password,
    // The generated passwords are hex, so they need no quoting in redis.conf.
    llmgw_redis_conf: `requirepass ${redis}\nappendonly yes\ndir /data\n`,
    llmgw_redis_password: redis,
  };
}

/** Short content hash for a Swarm config's name: configs are immutable, so changed content needs a new name. */
export function contentVersion(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

// Only the shape this module relies on; everything else passes through as Compose wrote it.
const composeConfig = z
  .object({
    name: z.string().optional(),
    services: z.record(z.string(), z.record(z.string(), z.unknown())),
    networks: z.record(z.string(), z.record(z.string(), z.unknown()).nullable()).optional(),
    secrets: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

function withoutNulls(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null));
}

/**
 * compose config JSON → a stack file: `version: "3.9"` instead of `name`, no null entries (a passthrough variable the
 * caller did not set stays unset, as under Compose), published ports as numbers, networks named by the stack
 * (`llm-gateway_default`, an overlay) rather than pinned to Compose's bridge network name.
 */
export function toStackDefinition(json: string): Record<string, unknown> {
  let parsed: z.infer<typeof composeConfig>;
  try {
    parsed = composeConfig.parse(JSON.parse(json));
  } catch (err) {
    throw new StackError(
      'swarm_failed',
      `docker compose config printed no usable definition: ${(err as Error).message}`,
    );
  }
  const { name: _name, services, networks, secrets, ...rest } = parsed;
  const stackServices: Record<string, unknown> = {};
  for (const [service, definition] of Object.entries(services)) {
    const clean = withoutNulls(definition);
    if (clean.environment && typeof clean.environment === 'object' && !Array.isArray(clean.environment))
      clean.environment = withoutNulls(clean.environment as Record<string, unknown>);
    // Compose prints a published port as text ("3000"); the 3.x schema wants a number.
    if (Array.isArray(clean.ports))
      clean.ports = (clean.ports as Array<Record<string, unknown>>).map((port) =>
        typeof port.published === 'string' && /^\d+$/.test(port.published)
          ? { ...port, published: Number(port.published) }
          : port,
      );
    stackServices[service] = clean;
  }
  const stackNetworks = Object.fromEntries(
    Object.entries(networks ?? {}).map(([key, network]) => {
      const { name: _pinned, ...keep } = network ?? {};
      return [key, keep];
    }),
  );
  // Only the secrets a service names: the Compose stack's file secrets (postgres_password, redis_password from
  // $LLMGW_HOME/secrets) are replaced by Swarm secrets in the overlay, and `docker stack deploy` would create every
  // secret the file defines.
  const used = new Set(
    Object.values(stackServices).flatMap((definition) =>
      ((definition as { secrets?: Array<string | { source?: string }> }).secrets ?? []).map((ref) =>
        typeof ref === 'string' ? ref : (ref.source ?? ''),
      ),
    ),
  );
  const stackSecrets = Object.fromEntries(Object.entries(secrets ?? {}).filter(([key]) => used.has(key)));
  // Extension fields (x-request-logs: anchors already expanded into the services) are Compose's, not the stack's.
  const kept = Object.fromEntries(Object.entries(rest).filter(([key]) => !key.startsWith('x-')));
  return { version: '3.9', ...kept, services: stackServices, networks: stackNetworks, secrets: stackSecrets };
}
