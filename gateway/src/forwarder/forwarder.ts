// The Ollama forwarder: a plain TCP relay from one listen address (the Docker bridge's gateway address, where
// containers reach the host as host.docker.internal) to a target (the host's 127.0.0.1:11434, where a stock Ollama
// listens). Bytes are piped both ways with back-pressure (stream.pipe pauses the faster side) and half-close
// (allowHalfOpen: a FIN from one side ends only that direction).
// It listens only while the target accepts connections: when Ollama is down it closes its listener, so the
// gateways get ECONNREFUSED — a connect failure they mark and fail over on — instead of a connection that is
// accepted and then dropped; connections caught in between get an HTTP 503 (as from an Ollama that cannot serve).
// It polls the target and listens again once Ollama is back. When the listen address is
// already taken — the user's Ollama listens on 0.0.0.0:11434 and so already answers there — it steps aside and
// retries later.
import net from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

/**
 * listening: relaying; waiting: the target is down, not listening (clients get ECONNREFUSED); stepped-aside: the
 * listen address is taken (by Ollama itself); unavailable: the listen address is not on this host.
 */
export type ForwarderState = 'starting' | 'listening' | 'waiting' | 'stepped-aside' | 'unavailable' | 'closed';

export type ForwarderEvent =
  | { event: 'listening'; listen: string; target: string }
  | { event: 'waiting'; listen: string; target: string; reason: string }
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
  /** How often the target is checked (a bare TCP connect) to notice Ollama going away or coming back. */
  probeMs?: number;
  /** A client that never closes its side after the upstream refused is destroyed after this long. */
  lingerMs?: number;
  /** After Ollama went away, how long new connections still get a 503 before the listener closes. */
  drainMs?: number;
  /**
   * Keep the process alive while waiting (no listener open, only the probe timer). The service's entry point needs
   * it — without it Node exits 0 as soon as Ollama is not running and Docker restarts the container in a loop;
   * tests embedding a forwarder leave it off so it never holds their process open.
   */
  holdProcess?: boolean;
}

export interface Forwarder {
  state(): ForwarderState;
  /** The bound address while listening (port 0 resolves to the real port, kept across re-listens). */
  address(): Endpoint | null;
  /** Whether the listener is open (it stays open during the drain after Ollama went away). */
  accepting(): boolean;
  /** Open client connections. */
  connections(): number;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

const show = (e: Endpoint) => (e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`);
const peer = (s: net.Socket) => `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`;

/**
 * A connection accepted while Ollama is not there: answer as an Ollama that cannot serve would — an HTTP 503 with a
 * JSON error (the relay exists for Ollama's HTTP API) — then end our side with a FIN, read and drop what the client
 * still sends (so the kernel never resets it), and close once the client is done or after lingerMs.
 */
function answerDown(client: net.Socket, target: string, reason: string, lingerMs: number): void {
  const body = JSON.stringify({ error: `Ollama is not running: ${target} refused the connection (${reason})` });
  client.on('error', () => {}); // the client may already be gone; nothing to relay either way
  client.resume();
  client.end(
    `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\nconnection: close\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  const timer = setTimeout(() => client.destroy(), lingerMs);
  timer.unref();
  client.once('end', () => client.destroy());
  client.once('close', () => clearTimeout(timer));
}

/** Relays one accepted client connection to the target; every error stays on this connection. */
function relay(
  client: net.Socket,
  options: Required<Pick<ForwarderOptions, 'target' | 'lingerMs'>> & {
    log: (e: ForwarderEvent) => void;
    onRefused: () => void;
    /** The target ended a connection: it may be shutting down, so check it now rather than at the next probe. */
    onTargetClosed: () => void;
  },
): void {
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
      // Nothing reached the target: answer 503 and close cleanly (never a reset).
      options.log({
        event: 'upstream-refused',
        target: show(options.target),
        client: who,
        reason: err.code ?? err.message,
      });
      options.onRefused();
      client.unpipe(upstream);
      answerDown(client, show(options.target), err.code ?? err.message, options.lingerMs);
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
  // The target's FIN (or close) may mean Ollama is shutting down: one probe tells.
  upstream.once('end', () => options.onTargetClosed());
  upstream.once('close', () => {
    if (connected) options.onTargetClosed();
    if (!client.writableEnded) client.destroy();
  });
}

/** A bare TCP connect: does the target accept connections right now? */
function reachable(target: Endpoint, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const done = (error: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(error);
    };
    const timer = setTimeout(() => done('ETIMEDOUT'), timeoutMs);
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** Starts relaying; resolves once the first state is known (never rejects for a taken address or a down target). */
export async function startForwarder(options: ForwarderOptions): Promise<Forwarder> {
  const log = options.log ?? (() => {});
  const retryMs = options.retryMs ?? 30_000;
  const probeMs = options.probeMs ?? 1_000;
  const lingerMs = options.lingerMs ?? 5_000;
  const drainMs = options.drainMs ?? 250;
  const sockets = new Set<net.Socket>();
  let state: ForwarderState = 'starting';
  let port = options.listen.port; // port 0 binds once, then re-listens on the same port
  let timer: NodeJS.Timeout | undefined;
  let firstState: (() => void) | undefined;
  const where = () => show({ host: options.listen.host, port });
  const target = show(options.target);

  const settle = () => {
    firstState?.();
    firstState = undefined;
  };
  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (state === 'closed') return;
    timer = setTimeout(tick, ms);
    if (!options.holdProcess) timer.unref();
  };
  /** Stop accepting (open connections finish on their own); new clients get ECONNREFUSED from the kernel. */
  // Stop listening, after a short drain: connections that arrive meanwhile (in flight when Ollama went away) get
  // the 503 at once, instead of the reset the kernel gives to a closed listener's queued connections. After it,
  // clients get ECONNREFUSED: a connect failure, which the gateways mark and fail over on.
  const suspend = (reason: string) => {
    if (state !== 'listening') return;
    state = 'waiting';
    log({ event: 'waiting', listen: where(), target, reason });
    const drain = setTimeout(() => {
      if (state === 'waiting' && server.listening) server.close();
    }, drainMs);
    drain.unref();
    schedule(probeMs);
  };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    if (state !== 'listening') return answerDown(client, target, 'not accepting connections', lingerMs);
    relay(client, {
      target: options.target,
      lingerMs,
      log,
      onRefused: () => suspend(`${target} refused a connection`),
      onTargetClosed: () => void checkNow(),
    });
  });
  server.on('listening', () => {
    port = (server.address() as net.AddressInfo).port;
    state = 'listening';
    log({ event: 'listening', listen: where(), target });
    settle();
    schedule(probeMs);
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    const before = state;
    if (err.code === 'EADDRINUSE') {
      state = 'stepped-aside';
      // Logged on the change only: the retry every retryMs is silent while the occupant stays.
      if (before !== 'stepped-aside')
        log({
          event: 'stepped-aside',
          listen: where(),
          target,
          reason: `${where()} is already taken (Ollama itself listens there, e.g. OLLAMA_HOST=0.0.0.0): containers reach it directly`,
          retryMs,
        });
    } else {
      state = 'unavailable';
      if (before !== 'unavailable')
        log({
          event: 'unavailable',
          listen: where(),
          reason:
            err.code === 'EADDRNOTAVAIL'
              ? `${options.listen.host} is not an address of this host`
              : (err.code ?? err.message),
          retryMs,
        });
    }
    settle();
    schedule(retryMs);
  });
  // When Ollama shuts down it closes its connections first: checking then (instead of at the next probe) stops
  // listening before the gateways open new connections, so they see ECONNREFUSED rather than a dropped socket.
  let checking = false;
  async function checkNow(): Promise<void> {
    if (checking || state !== 'listening') return;
    checking = true;
    try {
      const error = await reachable(options.target, Math.min(probeMs, 2_000));
      if (error) suspend(`${target}: ${error}`);
    } finally {
      checking = false;
    }
  }

  // One loop for every state: while listening, notice the target going away; otherwise, (re)bind once it is there.
  async function tick(): Promise<void> {
    if (state === 'closed') return;
    const error = await reachable(options.target, Math.min(probeMs, 2_000));
    if ((state as ForwarderState) === 'closed') return;
    if (state === 'listening') {
      if (error) suspend(`${target}: ${error}`);
      else schedule(probeMs);
      return;
    }
    if (error) {
      if (state !== 'waiting') {
        state = 'waiting';
        log({ event: 'waiting', listen: where(), target, reason: `${target}: ${error}` });
        settle();
      }
      schedule(probeMs);
      return;
    }
    if (server.listening) {
      // Ollama came back within the drain: keep the listener we still have.
      state = 'listening';
      log({ event: 'listening', listen: where(), target });
      schedule(probeMs);
      return;
    }
    server.listen({ host: options.listen.host, port, exclusive: true });
  }

  const ready = new Promise<void>((resolve) => (firstState = resolve));
  void tick();
  await ready;
  return {
    state: () => state,
    address: () => (state === 'listening' ? { host: options.listen.host, port } : null),
    accepting: () => server.listening,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((done) => {
        clearTimeout(timer);
        const wasListening = server.listening;
        state = 'closed';
        for (const s of sockets) s.destroy();
        if (!wasListening) {
          log({ event: 'closed' });
          return done();
        }
        server.close(() => {
          log({ event: 'closed' });
          done();
        });
      }),
  };
}
