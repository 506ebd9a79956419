// Pure pull-progress arithmetic: aggregation across layers, monotonic percentage, speed window, ETA, failures.
import { describe, expect, it } from 'vitest';
import { PullProgress } from './pull-progress.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('PullProgress', () => {
  it('sums bytes of every layer into one percentage, speed and ETA', () => {
    const c = clock();
    const p = new PullProgress('m:1b', c.now);
    p.apply({ status: 'pulling manifest' });
    p.apply({ status: 'pulling aaa', digest: 'sha256:a', total: 1000 });
    c.advance(1000);
    p.apply({ status: 'pulling aaa', digest: 'sha256:a', total: 1000, completed: 400 });
    const s = p.snapshot();
    expect(s.phase).toBe('pulling');
    expect(s.percent).toBe(40);
    expect(s.bytesPerSecond).toBe(400);
    expect(s.etaSeconds).toBe(2);
    expect(s.status).toBe('pulling aaa');
  });

  it('never goes backwards when a later layer is announced, and shows 100 only on success', () => {
    const c = clock();
    const p = new PullProgress('m', c.now);
    p.apply({ digest: 'sha256:a', total: 900, completed: 900, status: 'pulling a' });
    expect(p.snapshot().percent).toBe(99.9);
    p.apply({ digest: 'sha256:b', total: 100, status: 'pulling b' });
    expect(p.snapshot().percent).toBe(99.9);
    p.apply({ digest: 'sha256:b', total: 100, completed: 100, status: 'pulling b' });
    p.apply({ status: 'verifying sha256 digest' });
    expect(p.snapshot().phase).toBe('verifying');
    p.apply({ status: 'success' });
    expect(p.snapshot()).toMatchObject({ phase: 'done', percent: 100, etaSeconds: 0, completed: 1000, total: 1000 });
  });

  it('ignores a repeated older line for a layer', () => {
    const p = new PullProgress('m');
    p.apply({ digest: 'sha256:a', total: 100, completed: 60 });
    p.apply({ digest: 'sha256:a', total: 100, completed: 20 });
    expect(p.snapshot().completed).toBe(60);
  });

  it('measures speed over the recent window only, so resumed bytes are not counted as speed', () => {
    const c = clock();
    const p = new PullProgress('m', c.now);
    p.apply({ digest: 'sha256:a', total: 10_000, completed: 5_000 }); // resume point
    expect(p.snapshot().bytesPerSecond).toBe(0);
    expect(p.snapshot().etaSeconds).toBeNull();
    c.advance(2_000);
    p.apply({ digest: 'sha256:a', total: 10_000, completed: 6_000 });
    expect(p.snapshot().bytesPerSecond).toBe(500);
    c.advance(10_000); // old samples fall out of the window
    p.apply({ digest: 'sha256:a', total: 10_000, completed: 6_100 });
    c.advance(1_000);
    p.apply({ digest: 'sha256:a', total: 10_000, completed: 6_300 });
    expect(p.snapshot().bytesPerSecond).toBe(200);
  });

  it('fails on an error line and records the message', () => {
    const p = new PullProgress('m');
    p.apply({ error: 'pull model manifest: file does not exist' });
    expect(p.snapshot()).toMatchObject({ phase: 'failed', error: 'pull model manifest: file does not exist' });
  });
});
