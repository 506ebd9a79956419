// The placement order: healthy, not just busy, below its parallelism, model loaded, then fewest in flight.
import { describe, expect, it } from 'vitest';
import { isLoaded, isSaturated, tier, type HostLoad } from './routing.js';

const NOW = 1_000_000;
const MODEL = 'llama3.2:1b';

function host(over: Partial<HostLoad> & { loadedFor?: number; running?: number } = {}): HostLoad {
  const loaded = new Map();
  if (over.loadedFor !== undefined) {
    loaded.set(MODEL, {
      name: MODEL,
      expiresAt: NOW + over.loadedFor,
      sizeVram: null,
      contextLength: null,
      learnedAt: 0,
    });
  }
  return {
    healthy: true,
    inFlight: over.running ?? 0,
    inFlightByModel: new Map(over.running ? [[MODEL, over.running]] : []),
    parallel: null,
    busyUntil: 0,
    loaded,
    ...over,
  };
}

describe('tier', () => {
  it('prefers a warm host to a cold one, and counts an expired load as cold', () => {
    expect(tier(host({ loadedFor: 60_000 }), MODEL, NOW)).toBeLessThan(tier(host(), MODEL, NOW));
    expect(isLoaded(host({ loadedFor: 0 }), MODEL, NOW)).toBe(false);
  });

  it('prefers a cold host with room to a warm host at its parallelism (spill over)', () => {
    const warmFull = host({ loadedFor: 60_000, parallel: 2, running: 2 });
    expect(isSaturated(warmFull, MODEL)).toBe(true);
    expect(tier(host({ parallel: 2 }), MODEL, NOW)).toBeLessThan(tier(warmFull, MODEL, NOW));
    expect(isSaturated(host({ running: 50 }), MODEL)).toBe(false); // no hint: never saturated
  });

  it('passes over a host that just answered 503 busy, and an unreachable one last of all', () => {
    const busy = host({ loadedFor: 60_000, busyUntil: NOW + 500 });
    const saturatedCold = host({ parallel: 1, running: 1 });
    expect(tier(saturatedCold, MODEL, NOW)).toBeLessThan(tier(busy, MODEL, NOW));
    expect(tier(busy, MODEL, NOW)).toBeLessThan(tier(host({ healthy: false, loadedFor: 60_000 }), MODEL, NOW));
    expect(tier(host({ busyUntil: NOW }), MODEL, NOW)).toBe(tier(host(), MODEL, NOW));
  });

  it('ignores loads and parallelism for a request without a model (e.g. /api/show)', () => {
    expect(tier(host(), undefined, NOW)).toBe(0);
    expect(tier(host({ parallel: 1, running: 3 }), undefined, NOW)).toBe(0);
  });
});
