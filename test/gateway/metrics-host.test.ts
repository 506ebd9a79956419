// Issue 14, part 4: the token-less METRICS_PORT listens on METRICS_HOST (loopback by default), not on HOST, so a
// gateway serving its API on every interface does not also serve its metrics there.
import { createServer } from 'node:net';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startHarness } from '../support/harness.js';

/** A port that was free a moment ago (METRICS_PORT 0 means "off", so the test needs a real one). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe('METRICS_HOST', () => {
  it('defaults to loopback even when HOST is every interface', async () => {
    const h = await startHarness({ kind: 'embedded', env: { HOST: '0.0.0.0', METRICS_PORT: await freePort() } });
    try {
      const gateway = h.gateways[0]!;
      expect(gateway.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(gateway.metricsUrl!);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('llmgw_');
      // The API answers on this machine's other address; the metrics port does not listen there.
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((info) => info && info.family === 'IPv4' && !info.internal)?.address;
      if (!external) throw new Error('this test needs a non-loopback IPv4 interface');
      const port = new URL(gateway.metricsUrl!).port;
      expect((await fetch(`http://${external}:${new URL(gateway.url).port}/health`)).status).toBe(200);
      await expect(fetch(`http://${external}:${port}/metrics`)).rejects.toThrow();
    } finally {
      await h.close();
    }
  });
});
