// The Hosts panel's one-word state of a host: down beats busy beats up.
import { describe, expect, it } from 'vitest';
import type { HostView } from '../../../common/protocol/index.js';
import { hostState } from './hosts.js';

const host = (over: Partial<HostView> = {}): HostView => ({
  name: 'upstream 1',
  url: 'http://10.0.0.5:11434',
  healthy: true,
  version: '0.6.5',
  lastError: null,
  inFlight: 0,
  parallel: null,
  busy: false,
  loaded: [],
  ...over,
});

describe('hostState', () => {
  it('says up, busy (503 a moment ago) or down (unreachable)', () => {
    expect(hostState(host())).toEqual({ label: 'up', status: 'healthy' });
    expect(hostState(host({ busy: true }))).toEqual({ label: 'busy', status: 'degraded' });
    expect(hostState(host({ healthy: false, busy: true }))).toEqual({ label: 'down', status: 'down' });
  });
});
