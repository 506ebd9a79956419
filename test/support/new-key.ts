// The store input for a freshly generated key with no limits, as a process writing the store directly (the CLI,
// another gateway, a test) would create it; `over` sets what a test cares about.
import type { GeneratedKey } from '../../gateway/src/auth/keys.js';
import type { NewKey } from '../../gateway/src/store/types.js';

export function newKeyFrom(generated: GeneratedKey, over: Partial<NewKey> = {}): NewKey {
  return {
    id: generated.id,
    name: 'test key',
    hash: generated.hash,
    prefix: generated.prefix,
    models: null,
    rpm: null,
    tpm: null,
    maxConcurrent: null,
    allowedIps: null,
    expiresAt: null,
    ...over,
  };
}
