import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  composeEnv,
  effectiveValues,
  ensureEnvFile,
  generateSecrets,
  parseEnvFile,
  renderEnvFile,
  SECRET_KEYS,
} from './env-file.js';
import { StackError } from './errors.js';
import { llmgwHome } from './paths.js';

const homes: string[] = [];
const tempHome = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-home-'));
  homes.push(dir);
  return path.join(dir, 'nested', 'home');
};
afterEach(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('stack env file', () => {
  it('is generated on first use with mode 0600 and strong random secrets', () => {
    const home = tempHome();
    const file = ensureEnvFile(home);
    expect(file.created).toBe(true);
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o077).toBe(0);
    for (const key of ['POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'ADMIN_TOKEN'])
      expect(file.values[key]).toMatch(/^[0-9a-f]{64}$/);
    expect(file.values.POSTGRES_USER).toMatch(/^llmgw_[0-9a-f]{8}$/);
    expect(file.values.POSTGRES_DB).toBe('llmgw');
    expect(file.values.OLLAMA_URLS).toBe('http://host.docker.internal:11434');
    expect(new Set([file.values.POSTGRES_PASSWORD, file.values.REDIS_PASSWORD, file.values.ADMIN_TOKEN]).size).toBe(3);
    expect(parseEnvFile(readFileSync(file.path, 'utf8'))).toEqual(file.values);
  });

  it('keeps its secrets on later calls and differs between installations', () => {
    const home = tempHome();
    const first = ensureEnvFile(home);
    const again = ensureEnvFile(home);
    expect(again.created).toBe(false);
    expect(again.values).toEqual(first.values);
    expect(ensureEnvFile(tempHome()).values.ADMIN_TOKEN).not.toBe(first.values.ADMIN_TOKEN);
  });

  it('fills missing keys of an older file and tightens a too-open mode', () => {
    const home = tempHome();
    ensureEnvFile(home);
    const file = path.join(home, 'stack.env');
    writeFileSync(file, 'POSTGRES_USER=me\nOLLAMA_URLS=http://elsewhere:11434\n');
    chmodSync(file, 0o644);
    const values = ensureEnvFile(home).values;
    expect(values.POSTGRES_USER).toBe('me');
    expect(values.OLLAMA_URLS).toBe('http://elsewhere:11434');
    for (const key of SECRET_KEYS) expect(values[key]).toBeTruthy();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('reports an unusable home as a typed error', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-home-'));
    homes.push(dir);
    writeFileSync(path.join(dir, 'file'), 'x');
    expect(() => ensureEnvFile(path.join(dir, 'file', 'home'))).toThrow(StackError);
  });

  it('uses the injected random source (so generation is the only source of secrets)', () => {
    let n = 0;
    const secrets = generateSecrets((bytes) => Buffer.alloc(bytes, ++n));
    expect(secrets.POSTGRES_PASSWORD).toBe('02'.repeat(32));
    expect(secrets.ADMIN_TOKEN).toBe('04'.repeat(32));
  });

  it('parses quotes, comments and export prefixes and renders back', () => {
    expect(parseEnvFile('# c\nexport A=1\nB="two words"\nC=\'x\'\n\nbad line\n')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x',
    });
    expect(parseEnvFile(renderEnvFile({ A: 'b=c' }))).toEqual({ A: 'b=c' });
  });
});

describe('compose environment', () => {
  it('drops secrets from the caller environment but keeps documented overrides', () => {
    const env = composeEnv(
      {
        PATH: '/bin',
        POSTGRES_PASSWORD: 'stray',
        ADMIN_TOKEN: 'stray',
        OLLAMA_URLS: 'http://x:1',
        NODE_IMAGE: 'n:1',
        LLMGW_BIND: '',
      },
      { DOCKER_HOST: 'unix:///s' },
    );
    expect(env).toEqual({ PATH: '/bin', OLLAMA_URLS: 'http://x:1', NODE_IMAGE: 'n:1', DOCKER_HOST: 'unix:///s' });
  });

  it('overrides file values with the environment for the effective settings', () => {
    expect(
      effectiveValues(
        { OLLAMA_URLS: 'a', ADMIN_TOKEN: 't' },
        { OLLAMA_URLS: 'b', ADMIN_TOKEN: 'z', LLMGW_PORT: '3001' },
      ),
    ).toEqual({
      OLLAMA_URLS: 'b',
      ADMIN_TOKEN: 't',
      LLMGW_PORT: '3001',
    });
  });

  it('puts LLMGW_HOME in the per-user app-data folder by default', () => {
    expect(llmgwHome({}, 'linux', '/home/u')).toBe('/home/u/.config/llm-gateway');
    expect(llmgwHome({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/u')).toBe('/x/llm-gateway');
    expect(llmgwHome({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/llm-gateway');
    expect(llmgwHome({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toContain('llm-gateway');
    expect(llmgwHome({ LLMGW_HOME: '/tmp/h' }, 'linux', '/home/u')).toBe('/tmp/h');
  });
});
