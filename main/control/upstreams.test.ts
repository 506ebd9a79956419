// hostsReport against a real embedded gateway and the test upstream, and against a server that answers a wrong shape.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../test/support/harness.js';
import { AdminClient } from './keys/admin-client.js';
import { hostsReport } from './upstreams.js';
import { ControlError } from './errors.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ kind: 'embedded', env: { UPSTREAM_NUM_PARALLEL: 3, UPSTREAM_PS_INTERVAL_MS: 500 } });
});
afterAll(() => h?.close());

describe('hostsReport', () => {
  it("reports the gateway's hosts with their loaded models and hints", async () => {
    await fetch(`${h.upstream.url}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2:1b', keep_alive: '5m' }),
    });
    const admin = new AdminClient(h.url, h.adminToken);
    let report = await hostsReport(admin);
    for (let i = 0; i < 100 && report.hosts[0]!.loaded.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      report = await hostsReport(admin);
    }
    expect(report.instance).toBe(h.gateways[0]!.deps.instance);
    expect(report.hosts).toHaveLength(1);
    expect(report.hosts[0]).toMatchObject({ name: 'upstream 1', url: h.upstream.url, healthy: true, parallel: 3 });
    expect(report.hosts[0]!.loaded.map((model) => model.name)).toEqual(['llama3.2:1b']);
  });

  it('refuses an answer in another shape with a ControlError', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data":"nope"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const admin = new AdminClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'x'.repeat(32));
      const err = await hostsReport(admin).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ControlError);
      expect((err as ControlError).code).toBe('gateway_error');
    } finally {
      server.close();
    }
  });
});
