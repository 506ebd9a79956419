// The control plane's one event stream: a tiny typed bus. Listeners that throw never break the emitter,
// and `stream()` gives an async iterator for consumers (HTTP/SSE bridge) that prefer pulling.
import type { ControlEvent } from '../../common/protocol/events.js';

export type { ControlEvent, ControlEventType } from '../../common/protocol/events.js';

export type Listener = (event: ControlEvent) => void;

export class EventBus {
  private readonly listeners = new Set<Listener>();

  emit(event: ControlEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One broken window or client must not stop the others from hearing about changes.
      }
    }
  }

  /** Returns the unsubscribe function. */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  /** Events as an async iterator; buffered while the consumer is busy. Ends when the signal aborts. */
  async *stream(signal?: AbortSignal): AsyncGenerator<ControlEvent> {
    const queue: ControlEvent[] = [];
    let wake: (() => void) | undefined;
    const off = this.on((event) => {
      queue.push(event);
      wake?.();
    });
    const aborted = () => wake?.();
    signal?.addEventListener('abort', aborted);
    try {
      while (!signal?.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      off();
      signal?.removeEventListener('abort', aborted);
    }
  }
}
