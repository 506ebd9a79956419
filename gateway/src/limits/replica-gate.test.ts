import { describe, expect, it } from 'vitest';
import { ReplicaGate } from './replica-gate.js';

describe('ReplicaGate', () => {
  it('admits up to its capacity, refuses beyond, and a release frees exactly one slot once', () => {
    const gate = new ReplicaGate(2);
    const a = gate.tryEnter();
    const b = gate.tryEnter();
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(gate.tryEnter()).toBeNull();
    a!();
    a!();
    expect(gate.inFlight).toBe(1);
    expect(gate.tryEnter()).not.toBeNull();
    expect(gate.tryEnter()).toBeNull();
  });

  it('rejects a capacity below 1', () => {
    expect(() => new ReplicaGate(0)).toThrow(RangeError);
  });
});
