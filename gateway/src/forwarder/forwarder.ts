// The Ollama forwarder: a plain TCP relay from one listen address (the Docker bridge's gateway address, where
// containers reach the host as host.docker.internal) to a target (the host's 127.0.0.1:11434, where a stock Ollama
// listens). Bytes are piped both ways with back-pressure (stream.pipe pauses the faster side) and half-close
// (allowHalfOpen: a FIN from one side ends only that direction). When the listen address is already taken — the
// user's Ollama listens on 0.0.0.0:11434 and so already answers there — it steps aside and retries later.
import net from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

export type ForwarderState = 'starting' | 'listening' | 'stepped-aside' | 'unavailable' | 'closed';

export type ForwarderEvent =
  | { event: 'listening'; listen: string; target: string }
  | { event: 'stepped-aside'; listen: string; target: string; reason: string; retryMs: number }
  | { event: 'unavailable'; listen: string; reason: string; retryMs: number }
  | { event: 'upstream-refused'; target: string; client: string; reason: string }
  | { event: 'connection-error'; side: 'client' | 'upstream'; client: string; reason: string }
  | { event: 'closed' };

export interface ForwarderOptions {
  listen: Endpoint;
  target: Endpoint;
  /** One structured line per notable event (the entry point prints JSON lines). */
  log?: (event: ForwarderEvent) => void;
  /** How long to wait before trying to bind again after EADDRINUSE / EADDRNOTAVAIL. */
  retryMs?: number;
  /** A client that never closes its side after the upstream refused is destroyed after this long. */
  lingerMs?: number;
}

export interface Forwarder {
  state(): ForwarderState;
  /** The bound address while listening (port 0 resolves to the real port). */
  address(): Endpoint | null;
  /** Open client connections. */
  connections(): number;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

const show = (e: Endpoint) => (e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`);
const peer = (s: net.Socket) => `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`;

/** Relays one accepted client connection to the target; every error stays on this connection. */
function relay(client: net.Socket, options: Required<Pick<ForwarderOptions, 'target' | 'lingerMs'>> & { log: (e: ForwarderEvent) => void }): void {
  const who = peer(client);
  let connected = false;
  const upstream = net.connect({ host: options.target.host, port: options.target.port, allowHalfOpen: true });
  upstream.setNoDelay(true);
  client.setNoDelay(true);

  upstream.once('connect', () => {
    connected = true;
  });
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (!connected) {
      // Nothing reached the target: end the client's side with a FIN (not a reset), drop what it sent, and
      // close fully once it finishes (or after lingerMs).
      options.log({ event: 'upstream-refused', target: show(options.target), client: who, reason: err.code ?? err.message });
      client.unpipe(upstream);
      client.resume();
      client.end();
      const timer = setTimeout(() => client.destroy(), options.lingerMs);
      timer.unref();
      client.once('close', () => clearTimeout(timer));
      return;
    }
    options.log({ event: 'connection-error', side: 'upstream', client: who, reason: err.code ?? err.message });
    client.destroy();
  });
  client.on('error', (err: NodeJS.ErrnoException) => {
    options.log({ event: 'connection-error', side: 'client', client: who, reason: err.code ?? err.message });
    upstream.destroy();
  });
  // pipe() ends the other side when one side ends (half-close) and pauses the source while the destination's
  // buffer is full (back-pressure). Once both directions are done the sockets close themselves.
  client.pipe(upstream);
  upstream.pipe(client);
  // A side that closed without finishing its writes (reset, destroyed) takes the other with it; a side that
  // ended normally lets the other flush what is still buffered.
  client.once('close', () => {
    if (!upstream.writableEnded) upstream.destroy();
  });
  upstream.once('close', () => {
    if (!client.writableEnded) client.destroy();
  });
}

/** Binds and serves; resolves once listening or stepped aside (never rejects for a taken or missing address). */
export function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const log = options.log ?? (() => {});
  const retryMs = options.retryMs ?? 30_000;
  const lingerMs = options.lingerMs ?? 5_000;
  const sockets = new Set<net.Socket>();
  let state: ForwarderState = 'starting';
  let retry: NodeJS.Timeout | undefined;
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false }, (client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    relay(client, { target: options.target, lingerMs, log });
  });

  return new Promise((resolve, reject) => {
    let settled = false;
    const forwarder: Forwarder = {
      state: () => state,
      address: () => {
        const a = server.address();
        return a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
      },
      connections: () => sockets.size,
      close: () =>
        new Promise<void>((done) => {
          clearTimeout(retry);
          state = 'closed';
          for (const s of sockets) s.destroy();
          if (!server.listening) {
            log({ event: 'closed' });
            return done();
          }
          server.close(() => {
            log({ event: 'closed' });
            done();
          });
        }),
    };
    const settle = () => {
      if (!settled) {
        settled = true;
        resolve(forwarder);
      }
    };
    const attempt = () => {
      if (state === 'closed') return;
      server.listen({ host: options.listen.host, port: options.listen.port, exclusive: true });
    };
    server.on('listening', () => {
      state = 'listening';
      log({ event: 'listening', listen: show(forwarder.address()!), target: show(options.target) });
      settle();
    });
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL') {
        state = err.code === 'EADDRINUSE' ? 'stepped-aside' : 'unavailable';
        if (err.code === 'EADDRINUSE') {
          log({
            event: 'stepped-aside',
            listen: show(options.listen),
            target: show(options.target),
            reason: `${show(options.listen)} is already taken (Ollama itself listens there, e.g. OLLAMA_HOST=0.0.0.0): containers reach it directly`,
            retryMs,
          });
        } else {
          log({ event: 'unavailable', listen: show(options.listen), reason: `${options.listen.host} is not an address of this host`, retryMs });
        }
        retry = setTimeout(attempt, retryMs);
        retry.unref();
        settle();
        return;
      }
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    attempt();
  });
}
