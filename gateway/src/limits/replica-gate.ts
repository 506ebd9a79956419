// The replica-wide cap on inference requests in flight (all keys together): a counter in this process.
// Per-key caps are shared across replicas (the limiter); this one protects one replica's sockets and memory,
// so a flood answers 503 with retry-after at once instead of queueing behind undici's connection limit.
export class ReplicaGate {
  private held = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer >= 1');
  }

  get inFlight(): number {
    return this.held;
  }

  /** A release function when a slot was free (call it exactly once; later calls do nothing), else null. */
  tryEnter(): (() => void) | null {
    if (this.held >= this.capacity) return null;
    this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
    };
  }
}
