// The compose definition's hardening, read through the real `docker compose config` (what compose will run, with the
// optional forwarder, monitoring and grafana profiles on): every service drops all capabilities and adds back only its listed few, gains no privileges, has a read-only root
// filesystem with tmpfs where it writes, and no password appears in any service's command or environment except
// the gateways' connection settings (their config reads DATABASE_URL/REDIS_URL/ADMIN_TOKEN from the environment).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEnvFile, type StackValues } from './env-file.js';
import { writeSecretFiles } from './secret-files.js';

const COMPOSE_FILE = path.resolve(import.meta.dirname, '../../compose/docker-compose.yml');

interface Service {
  cap_drop?: string[];
  cap_add?: string[];
  security_opt?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  secrets?: Array<{ source: string; target?: string }>;
  healthcheck?: { test?: string[] };
}

/** What each service may add back (proved by running it: see README "Compose stack", Hardening). */
const ALLOWED_CAPS: Record<string, string[]> = {
  nginx: ['CHOWN', 'NET_BIND_SERVICE', 'SETGID', 'SETUID'],
  'api-gateway': [],
  postgres: ['CHOWN', 'DAC_READ_SEARCH', 'FOWNER', 'SETGID', 'SETUID'],
  redis: ['CHOWN', 'DAC_READ_SEARCH', 'SETGID', 'SETUID'],
  'ollama-forwarder': [],
  prometheus: [],
  grafana: [],
};

let home: string;
let values: StackValues;
let services: Record<string, Service>;
let secrets: Record<string, { file?: string }>;

beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-compose-hardening-'));
  values = ensureEnvFile(home).values;
  const secretsDir = writeSecretFiles(home, values);
  // The real compose client; it fails loudly (ENOENT) when Docker Compose is missing.
  const out = execFileSync(
    'docker',
    [
      'compose',
      '-p',
      'llm-gateway',
      '-f',
      COMPOSE_FILE,
      '--env-file',
      path.join(home, 'stack.env'),
      '--profile',
      'forwarder',
      '--profile',
      'monitoring',
      '--profile',
      'grafana',
      'config',
      '--format',
      'json',
    ],
    { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, LLMGW_SECRETS_DIR: secretsDir } },
  );
  const config = JSON.parse(out) as { services: Record<string, Service>; secrets: Record<string, { file?: string }> };
  services = config.services;
  secrets = config.secrets;
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('compose hardening', () => {
  it('covers every service of the stack', () => {
    expect(Object.keys(services).sort()).toEqual(Object.keys(ALLOWED_CAPS).sort());
  });

  it.each(Object.keys(ALLOWED_CAPS))(
    '%s: cap_drop ALL, only its capabilities back, no-new-privileges, read-only root',
    (name) => {
      const service = services[name]!;
      expect(service.cap_drop).toEqual(['ALL']);
      expect([...(service.cap_add ?? [])].sort()).toEqual(ALLOWED_CAPS[name]);
      expect(service.security_opt).toContain('no-new-privileges:true');
      expect(service.read_only).toBe(true);
      expect(service.tmpfs).toContain('/tmp');
    },
  );

  it('nginx and the secret copies write only to tmpfs', () => {
    expect(services.nginx!.tmpfs).toEqual(expect.arrayContaining(['/run', '/var/cache/nginx', '/var/lib/nginx']));
    expect(services.redis!.tmpfs).toContain('/run/llmgw-redis');
    expect(services.postgres!.tmpfs).toEqual(expect.arrayContaining(['/run/llmgw-postgres', '/var/run/postgresql']));
  });

  it('postgres and redis read their passwords from the generated 0600 files, mounted as secrets', () => {
    expect(secrets.postgres_password!.file).toBe(path.join(home, 'secrets', 'postgres_password'));
    expect(secrets.redis_password!.file).toBe(path.join(home, 'secrets', 'redis_password'));
    expect(services.postgres!.secrets?.map((s) => s.source)).toEqual(['postgres_password']);
    expect(services.redis!.secrets?.map((s) => s.source)).toEqual(['redis_password']);
  });

  it('no password in any command, entrypoint, healthcheck or environment, but the gateways connection settings', () => {
    const passwords = [values.POSTGRES_PASSWORD!, values.REDIS_PASSWORD!, values.ADMIN_TOKEN!];
    for (const [name, service] of Object.entries(services)) {
      const visible = JSON.stringify([
        service.command,
        service.entrypoint,
        service.healthcheck?.test,
        name === 'api-gateway'
          ? Object.entries(service.environment ?? {}).filter(
              ([key]) => !['DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN'].includes(key),
            )
          : service.environment,
      ]);
      for (const password of passwords) expect(visible, name).not.toContain(password);
    }
    expect(services.postgres!.environment).not.toHaveProperty('POSTGRES_PASSWORD');
    expect(services.redis!.environment ?? {}).not.toHaveProperty('REDISCLI_AUTH');
  });
});
