// Configuration is validated once: good values parse with defaults, bad ones fail naming the variable.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

/** `| \`NAME\` | \`default\` | …` rows of the README's timeouts table. */
function readmeTimeouts(): Map<string, number> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readme
    .split('<!-- timeouts-table: gateway/src/config.test.ts checks these defaults -->')[1]!
    .split('\n\n')[0]!;
  const rows = new Map<string, number>();
  for (const match of table.matchAll(/^\| `([A-Z_]+)` \| `(\d+)` \|/gm)) rows.set(match[1]!, Number(match[2]));
  return rows;
}

describe('loadConfig', () => {
  it('reads UPSTREAM_NUM_PARALLEL as one hint for all hosts or one per OLLAMA_URLS entry', () => {
    expect(loadConfig({}).UPSTREAM_NUM_PARALLEL).toEqual([0]);
    const urls = 'http://10.0.0.1:11434,http://10.0.0.2:11434';
    expect(loadConfig({ OLLAMA_URLS: urls, UPSTREAM_NUM_PARALLEL: '4, 0' }).UPSTREAM_NUM_PARALLEL).toEqual([4, 0]);
    expect(() => loadConfig({ OLLAMA_URLS: urls, UPSTREAM_NUM_PARALLEL: '1,2,3' })).toThrow(
      /UPSTREAM_NUM_PARALLEL: has 3 values for 2 OLLAMA_URLS/,
    );
    expect(() => loadConfig({ UPSTREAM_NUM_PARALLEL: 'four' })).toThrow(/UPSTREAM_NUM_PARALLEL: must be whole numbers/);
    expect(() => loadConfig({ UPSTREAM_PS_INTERVAL_MS: '10' })).toThrow(/UPSTREAM_PS_INTERVAL_MS/);
  });

  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      OLLAMA_URLS: ['http://127.0.0.1:11434'],
      CORS_ORIGINS: ['*'],
      MAX_BODY_BYTES: 1048576,
      LIMITS_FAIL_MODE: 'open',
      // README "Response cache": on, opted into per key or request; per key unless shared.
      RESPONSE_CACHE: true,
      RESPONSE_CACHE_TTL_S: 300,
      RESPONSE_CACHE_MAX_BYTES: 1048576,
      RESPONSE_CACHE_MEMORY_BYTES: 67108864,
      RESPONSE_CACHE_SHARED: false,
    });
    expect(loadConfig({ RESPONSE_CACHE: 'false', RESPONSE_CACHE_SHARED: 'yes' })).toMatchObject({
      RESPONSE_CACHE: false,
      RESPONSE_CACHE_SHARED: true,
    });
    expect(() => loadConfig({ RESPONSE_CACHE_TTL_S: '0' })).toThrow(/RESPONSE_CACHE_TTL_S/);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('has the timeouts the README states, long enough for how Ollama answers', () => {
    const config = loadConfig({}) as unknown as Record<string, unknown>;
    const documented = readmeTimeouts();
    expect([...documented.keys()].sort()).toEqual([
      'BODY_LINGER_MS',
      'SHUTDOWN_TIMEOUT_MS',
      'UPSTREAM_CONNECT_TIMEOUT_MS',
      'UPSTREAM_FIRST_BYTE_TIMEOUT_MS',
      'UPSTREAM_HEALTH_INTERVAL_MS',
      'UPSTREAM_IDLE_TIMEOUT_MS',
      'UPSTREAM_RESPONSE_TIMEOUT_MS',
      'UPSTREAM_TOOL_TIMEOUT_MS',
    ]);
    for (const [name, value] of documented) expect({ name, value: config[name] }).toEqual({ name, value });
    // The bar: a 5-minute non-streaming answer and a tool call of a few minutes pass at the defaults.
    expect(config.UPSTREAM_RESPONSE_TIMEOUT_MS).toBeGreaterThan(5 * 60_000);
    expect(config.UPSTREAM_TOOL_TIMEOUT_MS).toBeGreaterThan(5 * 60_000);
    expect(config.OLLAMA_DEFAULT_CONTEXT_LENGTH).toBe(4096);
  });

  it('parses lists, numbers and URLs', () => {
    const config = loadConfig({
      PORT: '8080',
      OLLAMA_URLS: 'http://a:11434/, http://b:11434',
      CORS_ORIGINS: 'https://x.example,http://localhost:5173',
      DATABASE_URL: 'postgres://u:p@db:5432/gw',
      REDIS_URL: 'redis://:secret@cache:6379',
    });
    expect(config.PORT).toBe(8080);
    expect(config.OLLAMA_URLS).toEqual(['http://a:11434', 'http://b:11434']);
    expect(config.CORS_ORIGINS).toEqual(['https://x.example', 'http://localhost:5173']);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['OLLAMA_URLS', 'ftp://x'],
    ['OLLAMA_URLS', ' , '],
    ['ADMIN_TOKEN', 'short'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://x'],
    ['CORS_ORIGINS', 'example.com'],
    ['MAX_BODY_BYTES', '-1'],
    ['LIMITS_FAIL_MODE', 'maybe'],
    ['DATABASE_SCHEMA', 'Robert"); DROP'],
  ])('rejects %s=%s with a message naming it', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(name);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3000);
  });
});

describe('Redis Cluster settings', () => {
  it('takes REDIS_CLUSTER with seed nodes', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://:pw@10.0.0.1:7001',
      REDIS_CLUSTER: 'true',
      REDIS_CLUSTER_NODES: '10.0.0.2:7001, [::1]:7002',
    });
    expect(config.REDIS_CLUSTER).toBe(true);
    expect(config.REDIS_CLUSTER_NODES).toEqual(['10.0.0.2:7001', '[::1]:7002']);
    expect(loadConfig({}).REDIS_CLUSTER).toBe(false);
  });

  it('refuses settings that cannot work together, naming the variable', () => {
    const url = 'redis://127.0.0.1:7001';
    expect(() => loadConfig({ REDIS_CLUSTER: 'true' })).toThrow(/REDIS_CLUSTER: needs REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: url, REDIS_CLUSTER_NODES: '127.0.0.1:7002' })).toThrow(
      /REDIS_CLUSTER_NODES: set REDIS_CLUSTER=true/,
    );
    expect(() => loadConfig({ REDIS_URL: `${url}/2`, REDIS_CLUSTER: 'true' })).toThrow(/only database 0/);
    expect(() => loadConfig({ REDIS_URL: url, REDIS_CLUSTER: 'true', REDIS_CLUSTER_NODES: 'nohost' })).toThrow(
      /REDIS_CLUSTER_NODES\S*: must be host:port/,
    );
    expect(() => loadConfig({ REDIS_URL: url, REDIS_CLUSTER: 'maybe' })).toThrow(ConfigError);
  });
});
