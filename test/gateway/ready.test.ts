// Issue 14, part 3: /health/ready is cheap and quiet. A flood of calls costs at most one probe of the upstreams per
// second (concurrent callers share the probe in flight); the public answer is the status and the failing names,
// the details (kinds, upstream URLs and versions, errors) need the admin token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';

describe.each(BACKENDS)('/health/ready (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ kind });
  });
  afterAll(() => h.close());

  const versionProbes = () => h.upstream.stats.requests['GET /api/version'] ?? 0;

  it('200 concurrent calls cost at most two upstream probes (one result ≤ 1 s old, shared)', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // nothing cached from start-up
    const before = versionProbes();
    const answers = await Promise.all(Array.from({ length: 200 }, () => fetch(`${h.url}/health/ready`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // The health checker may probe once on its own schedule meanwhile; the 200 calls add one probe.
    expect(versionProbes() - before).toBeLessThanOrEqual(2);
  });

  it('the public answer is status only; the admin token adds the details', async () => {
    const pub = (await (await fetch(`${h.url}/health/ready`)).json()) as Record<string, unknown>;
    expect(Object.keys(pub).sort()).toEqual(['failing', 'instance', 'status']);
    expect(JSON.stringify(pub)).not.toContain(h.upstream.url);
    const detailed = (await (
      await fetch(`${h.url}/health/ready`, { headers: { authorization: `Bearer ${h.adminToken}` } })
    ).json()) as { checks: Record<string, unknown> };
    expect(Object.keys(detailed.checks).sort()).toEqual(['cache', 'limiter', 'store', 'upstreams']);
    expect(JSON.stringify(detailed)).toContain(h.upstream.url);
    const wrong = (await (
      await fetch(`${h.url}/health/ready`, { headers: { authorization: 'Bearer not-the-admin-token-at-all' } })
    ).json()) as Record<string, unknown>;
    expect(wrong.checks).toBeUndefined();
  });
});
