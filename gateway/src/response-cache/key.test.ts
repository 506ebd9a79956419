// The response cache's opt-in header and entry ids: canonical bodies share an id; the digest, the key, the path
// and streaming each give a different one.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { canonicalJson, entryId, headerOptIn, type EntryIdInput } from './key.js';

const base: EntryIdInput = {
  path: '/v1/chat/completions',
  model: 'llama3.2:1b',
  digest: 'a'.repeat(64),
  stream: false,
  keyId: 'key_1',
  body: { model: 'llama3.2:1b', messages: [{ role: 'user', content: 'hi' }], temperature: 0 },
};

describe('response cache keys', () => {
  it('writes canonical JSON: object keys sorted at every depth, array order kept', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
  });

  it('gives one id to bodies that differ only in key order or in how the model is named', () => {
    const reordered = { temperature: 0, messages: [{ content: 'hi', role: 'user' }], model: 'LLAMA3.2:1b' };
    expect(entryId({ ...base, body: reordered })).toBe(entryId(base));
  });

  it('gives another id for another digest, key, path, stream flag or body', () => {
    const id = entryId(base);
    expect(entryId({ ...base, digest: 'b'.repeat(64) })).not.toBe(id);
    expect(entryId({ ...base, keyId: 'key_2' })).not.toBe(id);
    expect(entryId({ ...base, keyId: null })).not.toBe(id);
    expect(entryId({ ...base, path: '/v1/completions' })).not.toBe(id);
    expect(entryId({ ...base, stream: true })).not.toBe(id);
    expect(entryId({ ...base, body: { ...base.body, temperature: 0, seed: 1 } })).not.toBe(id);
  });

  it('reads x-llmgw-cache as true/false (any case), none as null, anything else as a 400 naming it', () => {
    expect(headerOptIn(undefined)).toBeNull();
    expect(headerOptIn('true')).toBe(true);
    expect(headerOptIn(' False ')).toBe(false);
    for (const bad of ['yes', '1', '', ['true', 'true']]) {
      let thrown: unknown;
      try {
        headerOptIn(bad);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(GatewayError);
      expect((thrown as GatewayError).status).toBe(400);
      expect((thrown as GatewayError).param).toBe('x-llmgw-cache');
    }
  });
});
