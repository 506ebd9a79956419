// The per-platform decision of how the replicas reach Ollama, and the compose environment it becomes.
import { describe, expect, it } from 'vitest';
import { bridgeGatewayOf, planOllamaRoute, routeComposeEnv } from './ollama-route.js';

const DEFAULT = 'http://host.docker.internal:11434';

describe('planOllamaRoute', () => {
  it('Linux with the default URL: forwarder on the bridge address, host.docker.internal pinned to it', () => {
    const route = planOllamaRoute({ platform: 'linux', urls: DEFAULT, bridgeGateway: '172.17.0.1' });
    expect(route.forwarder).toEqual({ listen: '172.17.0.1:11434', target: '127.0.0.1:11434' });
    expect(route.hostGateway).toBe('172.17.0.1');
    expect(routeComposeEnv(route, undefined)).toEqual({
      LLMGW_HOST_GATEWAY: '172.17.0.1',
      LLMGW_FORWARD_LISTEN: '172.17.0.1:11434',
      COMPOSE_PROFILES: 'forwarder',
    });
  });

  it.each(['darwin', 'win32'] as const)(
    '%s (Docker Desktop): host.docker.internal as it is, no forwarder',
    (platform) => {
      const route = planOllamaRoute({ platform, urls: DEFAULT, bridgeGateway: '172.17.0.1' });
      expect(route.forwarder).toBeNull();
      expect(route.hostGateway).toBe('host-gateway');
      expect(routeComposeEnv(route, undefined)).toEqual({ LLMGW_HOST_GATEWAY: 'host-gateway' });
    },
  );

  it('OLLAMA_URLS pointing elsewhere wins: no forwarder, the caller profiles kept', () => {
    const route = planOllamaRoute({ platform: 'linux', urls: 'http://ollama:11434', bridgeGateway: '172.17.0.1' });
    expect(route.forwarder).toBeNull();
    expect(route.reason).toContain('does not point at');
    expect(routeComposeEnv(route, 'ollama')).toEqual({
      LLMGW_HOST_GATEWAY: 'host-gateway',
      COMPOSE_PROFILES: 'ollama',
    });
  });

  it('several upstreams: the forwarder runs when one of them points at it (by alias or bridge address)', () => {
    const both = planOllamaRoute({
      platform: 'linux',
      urls: `http://10.0.0.5:11434, ${DEFAULT}`,
      bridgeGateway: '172.17.0.1',
    });
    expect(both.urls).toEqual(['http://10.0.0.5:11434', DEFAULT]);
    expect(both.forwarder?.listen).toBe('172.17.0.1:11434');
    expect(
      planOllamaRoute({ platform: 'linux', urls: 'http://172.17.0.1:11434', bridgeGateway: '172.17.0.1' }).forwarder,
    ).not.toBeNull();
    // Another port on the host is not what the forwarder relays.
    expect(
      planOllamaRoute({ platform: 'linux', urls: 'http://host.docker.internal:8080', bridgeGateway: '172.17.0.1' })
        .forwarder,
    ).toBeNull();
    expect(routeComposeEnv(both, 'ollama').COMPOSE_PROFILES).toBe('ollama,forwarder');
  });

  it('Linux without a known bridge address: no forwarder, and says why', () => {
    const route = planOllamaRoute({ platform: 'linux', urls: DEFAULT, bridgeGateway: null });
    expect(route.forwarder).toBeNull();
    expect(route.reason).toContain('no IPv4 gateway');
  });
});

describe('bridgeGatewayOf', () => {
  it('reads the IPv4 gateway, else the subnet first address, else null', () => {
    expect(
      bridgeGatewayOf({
        IPAM: {
          Config: [
            { Subnet: 'fd00::/64', Gateway: 'fd00::1' },
            { Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' },
          ],
        },
      }),
    ).toBe('172.17.0.1');
    expect(bridgeGatewayOf({ IPAM: { Config: [{ Subnet: '10.9.0.0/24' }] } })).toBe('10.9.0.1');
    expect(bridgeGatewayOf({ IPAM: { Config: [] } })).toBeNull();
  });
});
