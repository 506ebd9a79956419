// Configuration is validated once: good values parse with defaults, bad ones fail naming the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      OLLAMA_URLS: ['http://127.0.0.1:11434'],
      CORS_ORIGINS: ['*'],
      MAX_BODY_BYTES: 1048576,
      LIMITS_FAIL_MODE: 'open',
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
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
