// The HTTP bridge (serve mode): RendererBridge over fetch. Operations are POST /api/op/<op> answering a
// BridgeResult; events come from GET /api/events as SSE, read with fetch so the token travels in a header (never
// in a URL), reconnecting with backoff. Transport failures become BridgeResult errors with a hint.
import type { BridgeResult, ControlErrorData, ControlEvent, OperationName, RendererBridge } from './types.js';
import { sseData } from './sse.js';
import { TOKEN_HEADER } from '../../../common/protocol/wire.js';

export { TOKEN_HEADER };

export interface HttpBridgeOptions {
  /** Origin of the serve server ('' = this page's). */
  base?: string;
  token: string;
  fetch?: typeof fetch;
  /** Reconnect delays (ms), last one repeats. */
  backoffMs?: number[];
  /** Told whenever the event stream (re)connects or drops. */
  onConnection?: (connected: boolean) => void;
}

function transportError(message: string): ControlErrorData {
  return {
    code: 'internal',
    message,
    hint: 'Is `llm-gateway serve` still running? Start it again and open the URL it prints.',
  };
}

function isResult(value: unknown): value is BridgeResult<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: { message?: unknown } };
  return v.ok === true || (v.ok === false && typeof v.error?.message === 'string');
}

export interface HttpBridge extends RendererBridge {
  /** Stops the event stream. */
  close(): void;
}

export function createHttpBridge(options: HttpBridgeOptions): HttpBridge {
  const base = options.base ?? '';
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const backoff = options.backoffMs ?? [500, 1000, 2000, 5000];
  const listeners = new Set<(event: ControlEvent) => void>();
  let stream: AbortController | null = null;

  const connect = async (controller: AbortController) => {
    let attempt = 0;
    while (!controller.signal.aborted) {
      try {
        const res = await doFetch(`${base}/api/events`, {
          headers: { [TOKEN_HEADER]: options.token, accept: 'text/event-stream' },
          signal: controller.signal,
          cache: 'no-store',
        });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        attempt = 0;
        options.onConnection?.(true);
        for await (const data of sseData(res.body, controller.signal)) {
          let event: ControlEvent;
          try {
            event = JSON.parse(data) as ControlEvent;
          } catch {
            continue;
          }
          for (const listener of [...listeners]) {
            try {
              listener(event);
            } catch {
              // one broken panel must not stop the others
            }
          }
        }
      } catch {
        // dropped or refused: retry below
      }
      if (controller.signal.aborted) break;
      options.onConnection?.(false);
      const wait = backoff[Math.min(attempt, backoff.length - 1)] ?? 2000;
      attempt += 1;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  return {
    async invoke(op: OperationName, input?: unknown): Promise<BridgeResult<unknown>> {
      let res: Response;
      try {
        res = await doFetch(`${base}/api/op/${encodeURIComponent(op)}`, {
          method: 'POST',
          headers: { [TOKEN_HEADER]: options.token, 'content-type': 'application/json' },
          body: input === undefined ? '' : JSON.stringify(input),
          cache: 'no-store',
        });
      } catch (err) {
        return { ok: false, error: transportError(`The dashboard server did not answer (${(err as Error).message}).`) };
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        body = null;
      }
      if (isResult(body)) return body;
      return { ok: false, error: transportError(`The dashboard server answered HTTP ${res.status} without a result.`) };
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!stream) {
        stream = new AbortController();
        void connect(stream);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stream) {
          stream.abort();
          stream = null;
        }
      };
    },
    close() {
      stream?.abort();
      stream = null;
      listeners.clear();
    },
  };
}
