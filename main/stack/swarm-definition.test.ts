import { describe, expect, it } from 'vitest';
import { StackError } from './errors.js';
import { contentVersion, SWARM_SECRETS, swarmSecretValues, toStackDefinition } from './swarm-definition.js';

// The shape `docker compose config --format json` prints (trimmed from a real run over both files).
const composeOutput = JSON.stringify({
  name: 'llm-gateway',
  networks: { default: { name: 'llm-gateway_default', ipam: {} } },
  secrets: {
    llmgw_admin_token: { name: 'llmgw_admin_token', external: true },
    // The Compose stack's file secret, which no Swarm service names (the overlay replaces it): left out.
    postgres_password: {
      name: 'llm-gateway_postgres_password',
      file: '/home/u/.llm-gateway/secrets/postgres_password',
    },
  },
  services: {
    'api-gateway': {
      secrets: ['llmgw_admin_token'],
      command: null,
      entrypoint: null,
      deploy: { replicas: 6, endpoint_mode: 'dnsrr', update_config: { order: 'start-first' } },
      environment: { ADMIN_TOKEN_FILE: '/run/secrets/llmgw_admin_token', LIMITS_FAIL_MODE: null, PORT: '3000' },
      image: 'llm-gateway/api-gateway:v2',
      networks: { default: null },
    },
    nginx: { image: 'nginx', ports: [{ mode: 'host', target: 80, published: '13000', protocol: 'tcp' }] },
  },
  volumes: { pgdata: { name: 'llm-gateway_pgdata' } },
});

describe('toStackDefinition', () => {
  it('turns compose config into a 3.9 stack file: no name, no nulls, the network named by the stack, only named secrets', () => {
    expect(toStackDefinition(composeOutput)).toEqual({
      version: '3.9',
      secrets: { llmgw_admin_token: { name: 'llmgw_admin_token', external: true } },
      volumes: { pgdata: { name: 'llm-gateway_pgdata' } },
      networks: { default: { ipam: {} } },
      services: {
        'api-gateway': {
          secrets: ['llmgw_admin_token'],
          deploy: { replicas: 6, endpoint_mode: 'dnsrr', update_config: { order: 'start-first' } },
          environment: { ADMIN_TOKEN_FILE: '/run/secrets/llmgw_admin_token', PORT: '3000' },
          image: 'llm-gateway/api-gateway:v2',
          // A network entry's null means "no options" in both formats: kept.
          networks: { default: null },
        },
        nginx: { image: 'nginx', ports: [{ mode: 'host', target: 80, published: 13000, protocol: 'tcp' }] },
      },
    });
  });

  it('refuses output that is not a compose definition', () => {
    expect(() => toStackDefinition('{"services": 3}')).toThrow(StackError);
    expect(() => toStackDefinition('not json')).toThrow(/no usable definition/);
  });
});

describe('swarmSecretValues', () => {
  const values = {
    POSTGRES_USER: 'llmgw_ab12',
    POSTGRES_PASSWORD: 'p'.repeat(64),
    POSTGRES_DB: 'llmgw',
    REDIS_PASSWORD: 'r'.repeat(64),
    ADMIN_TOKEN: 'a'.repeat(64),
  };

  it('derives every secret the overlay names from stack.env', () => {
    const secrets = swarmSecretValues(values);
    expect(Object.keys(secrets).sort()).toEqual([...SWARM_SECRETS].sort());
    expect(secrets.llmgw_database_url).toBe(`postgres://llmgw_ab12:${'p'.repeat(64)}@postgres:5432/llmgw`);
    expect(secrets.llmgw_redis_url).toBe(`redis://:${'r'.repeat(64)}@redis:6379`);
    expect(secrets.llmgw_redis_conf).toBe(`requirepass ${'r'.repeat(64)}\nappendonly yes\ndir /data\n`);
    expect(secrets.llmgw_admin_token).toBe('a'.repeat(64));
  });

  it('says which value is missing', () => {
    expect(() => swarmSecretValues({ ...values, REDIS_PASSWORD: '' })).toThrow(/stack.env has no REDIS_PASSWORD/);
  });
});

describe('contentVersion', () => {
  it('changes with the content and only with it', () => {
    expect(contentVersion('a')).toBe(contentVersion('a'));
    expect(contentVersion('a')).not.toBe(contentVersion('b'));
    expect(contentVersion('a')).toMatch(/^[0-9a-f]{12}$/);
  });
});
