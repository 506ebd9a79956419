// GET /api/events: the control plane's event stream as Server-Sent Events (one `data:` JSON line per event), a
// heartbeat comment so proxies and the browser keep the connection, and a clean end when the page leaves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from '../control/events.js';

export const HEARTBEAT_MS = 15_000;

export async function streamEvents(
  req: IncomingMessage,
  res: ServerResponse,
  bus: EventBus,
  extraHeaders: Record<string, string>,
  closing: AbortSignal,
): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  req.on('close', stop);
  closing.addEventListener('abort', stop, { once: true });
  res.writeHead(200, {
    ...extraHeaders,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: 2000\n: connected\n\n`);
  const heartbeat = setInterval(() => res.write(`: ping\n\n`), HEARTBEAT_MS);
  heartbeat.unref();
  try {
    for await (const event of bus.stream(controller.signal)) {
      if (res.destroyed) break;
      res.write(`data: ${JSON.stringify(event)}\n\n`);
    }
  } finally {
    clearInterval(heartbeat);
    req.off('close', stop);
    closing.removeEventListener('abort', stop);
    if (!res.writableEnded) res.end();
  }
}
