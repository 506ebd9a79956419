import { describe, expect, it } from 'vitest';
import { startTiers, toContainerStatus, type InspectLike } from './containers.js';

const inspect = (over: Partial<InspectLike['State']> = {}, service = 'postgres', number = '1'): InspectLike => ({
  Id: '0123456789abcdef',
  Name: `/llm-gateway-${service}`,
  Config: {
    Image: 'img',
    Labels: { 'com.docker.compose.service': service, 'com.docker.compose.container-number': number },
  },
  State: { Status: 'running', StartedAt: '2026-01-01T00:00:00Z', Health: { Status: 'healthy' }, ...over },
  NetworkSettings: { Ports: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '15432' }], '9464/tcp': null } },
});

describe('container status', () => {
  it('reads service, replica, health, ports and uptime', () => {
    expect(toContainerStatus(inspect({}, 'api-gateway', '3'), Date.parse('2026-01-01T00:01:30Z'))).toEqual({
      id: '0123456789ab',
      name: 'llm-gateway-api-gateway',
      service: 'api-gateway',
      replica: 3,
      image: 'img',
      state: 'running',
      health: 'healthy',
      ports: [{ hostIp: '127.0.0.1', hostPort: 15432, containerPort: 5432 }],
      startedAt: '2026-01-01T00:00:00Z',
      uptimeS: 90,
    });
  });

  it('reports no health and no uptime for a stopped container', () => {
    const status = toContainerStatus(inspect({ Status: 'exited' }));
    expect(status.health).toBe('none');
    expect(status.uptimeS).toBeNull();
  });

  it('reads a Swarm task container: service without the stack prefix, replica from the task slot in its name', () => {
    const status = toContainerStatus({
      ...inspect(),
      Name: '/llm-gateway_api-gateway.5.n3x0k1f9q2w8e7r6t5y4u3i2o',
      Config: {
        Image: 'llm-gateway/api-gateway:local',
        Labels: {
          'com.docker.stack.namespace': 'llm-gateway',
          'com.docker.compose.service': 'api-gateway',
          'com.docker.swarm.service.name': 'llm-gateway_api-gateway',
          'com.docker.swarm.task.id': 'n3x0k1f9q2w8e7r6t5y4u3i2o',
        },
      },
    });
    expect(status).toMatchObject({
      name: 'llm-gateway_api-gateway.5.n3x0k1f9q2w8e7r6t5y4u3i2o',
      service: 'api-gateway',
      replica: 5,
    });
  });

  it('orders start tiers: data, then gateways by replica, then nginx', () => {
    const c = (service: string, replica = 1) => ({ service, replica });
    const tiers = startTiers([c('nginx'), c('api-gateway', 2), c('redis'), c('api-gateway', 1), c('postgres')]);
    expect(tiers).toEqual([[c('postgres'), c('redis')], [c('api-gateway', 1), c('api-gateway', 2)], [c('nginx')]]);
  });
});
