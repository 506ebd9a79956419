// Which timeouts a relayed request gets, from how Ollama answers it.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { exchangeTimeouts, hasTools } from './timeouts.js';

const config = loadConfig({});

describe('exchangeTimeouts', () => {
  it('non-streaming: headers may take the whole generation; the body then gets the idle timeout', () => {
    expect(exchangeTimeouts(config, { stream: false, tools: true })).toEqual({
      headersMs: config.UPSTREAM_RESPONSE_TIMEOUT_MS,
      bodyMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
      setting: 'UPSTREAM_RESPONSE_TIMEOUT_MS',
    });
  });

  it('streams: first token within the first-byte timeout, then the idle timeout between chunks', () => {
    expect(exchangeTimeouts(config, { stream: true, tools: false })).toEqual({
      headersMs: config.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      bodyMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
      setting: 'UPSTREAM_FIRST_BYTE_TIMEOUT_MS',
    });
  });

  it('streams with tools: the tool timeout for the first byte and every silence, never shorter than the plain ones', () => {
    expect(exchangeTimeouts(config, { stream: true, tools: true })).toEqual({
      headersMs: config.UPSTREAM_TOOL_TIMEOUT_MS,
      bodyMs: config.UPSTREAM_TOOL_TIMEOUT_MS,
      setting: 'UPSTREAM_TOOL_TIMEOUT_MS',
    });
    const short = { ...config, UPSTREAM_TOOL_TIMEOUT_MS: 1 };
    expect(exchangeTimeouts(short, { stream: true, tools: true })).toMatchObject({
      headersMs: config.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      bodyMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
    });
  });

  it('an empty tools list is no tools', () => {
    expect(hasTools({ tools: [] })).toBe(false);
    expect(hasTools({ tools: [{ type: 'function' }] })).toBe(true);
    expect(hasTools({})).toBe(false);
  });
});
