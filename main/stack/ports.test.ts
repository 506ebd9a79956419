import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StackError } from './errors.js';
import { assertPortsFree, isPortFree, stackPorts } from './ports.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function occupy(host = '127.0.0.1'): Promise<number> {
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('port checks', () => {
  it('lists the published ports with their defaults and settings', () => {
    expect(stackPorts({})).toEqual([
      { service: 'nginx', host: '127.0.0.1', port: 3000, setting: 'LLMGW_PORT' },
      { service: 'postgres', host: '127.0.0.1', port: 15432, setting: 'POSTGRES_PORT' },
      { service: 'redis', host: '127.0.0.1', port: 16379, setting: 'REDIS_PORT' },
    ]);
    expect(stackPorts({ LLMGW_BIND: '0.0.0.0', LLMGW_PORT: '8080', REDIS_PORT: 'nope' })).toMatchObject([
      { host: '0.0.0.0', port: 8080 },
      { port: 15432 },
      { port: 16379 },
    ]);
  });

  it('detects a port in use and a free one', async () => {
    const port = await occupy();
    expect(await isPortFree('127.0.0.1', port)).toBe(false);
    const free = await occupy();
    await new Promise((resolve) => servers.pop()!.close(resolve));
    expect(await isPortFree('127.0.0.1', free)).toBe(true);
  });

  it('detects a wildcard listener when we want loopback', async () => {
    const port = await occupy('0.0.0.0');
    expect(await isPortFree('127.0.0.1', port)).toBe(false);
  });

  it('names the taken port and service, and ignores ports the stack itself publishes', async () => {
    const port = await occupy();
    const ports = [{ service: 'nginx', host: '127.0.0.1', port, setting: 'LLMGW_PORT' }];
    const error = await assertPortsFree(ports, new Set()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(StackError);
    expect((error as StackError).code).toBe('port_in_use');
    expect((error as StackError).message).toContain(`Port ${port}`);
    expect((error as StackError).message).toContain('nginx');
    await expect(assertPortsFree(ports, new Set([port]))).resolves.toBeUndefined();
  });
});
