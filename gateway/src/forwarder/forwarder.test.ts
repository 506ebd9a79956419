// The forwarder against real sockets on 127.0.0.1 (port 0): bytes both ways, half-close, back-pressure with a
// large body, a refused upstream closing the client cleanly, and stepping aside on EADDRINUSE.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startForwarder, type Forwarder, type ForwarderEvent } from './forwarder.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

function listen(server: net.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** A target server. The forwarder's liveness probe (a bare connect, closed at once) arrives here too: harmless. */
async function upstreamServer(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {}); // the probe's close may reset a socket a handler still writes to
    onConnection(socket);
  });
  const port = await listen(server);
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return port;
}

async function forwarderTo(port: number, events: ForwarderEvent[] = []): Promise<Forwarder> {
  // probeMs: 60 s, so only the start-up probe reaches the target during a test.
  const forwarder = await startForwarder({
    listen: { host: '127.0.0.1', port: 0 },
    target: { host: '127.0.0.1', port },
    log: (e) => events.push(e),
    lingerMs: 2_000,
    probeMs: 60_000,
  });
  cleanup.push(() => forwarder.close());
  return forwarder;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
    cleanup.push(() => void socket.destroy());
  });
}

/** Everything the socket receives until the peer's FIN. */
function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('end', () => resolve(Buffer.concat(chunks)));
    socket.once('error', reject);
  });
}

describe('forwarder', () => {
  it('relays bytes both ways and keeps the reverse direction open after the client half-closes', async () => {
    // An echo server that answers only after the client's FIN: the reply must still reach the client.
    const port = await upstreamServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => socket.end(Buffer.concat([Buffer.from('echo:'), ...chunks])));
    });
    const events: ForwarderEvent[] = [];
    const forwarder = await forwarderTo(port, events);
    expect(forwarder.state()).toBe('listening');
    expect(events[0]).toMatchObject({ event: 'listening', target: `127.0.0.1:${port}` });
    const client = await connect(forwarder.address()!.port);
    const reply = readAll(client);
    client.write('hello ');
    client.end('world');
    expect((await reply).toString()).toBe('echo:hello world');
    await new Promise((r) => client.once('close', r));
  });

  it('passes the upstream half-close on while the client keeps sending', async () => {
    let received = '';
    const done = new Promise<string>((resolve) => {
      void upstreamServer((socket) => {
        socket.end('bye'); // the upstream says all it has to say and ends its side first
        socket.on('data', (c: Buffer) => (received += c.toString()));
        socket.on('end', () => resolve(received));
      })
        .then((port) => forwarderTo(port))
        .then(async (forwarder) => {
          const client = await connect(forwarder.address()!.port);
          expect((await readAll(client)).toString()).toBe('bye');
          client.end('still talking'); // our side is still writable after the upstream's FIN
        });
    });
    expect(await done).toBe('still talking');
  });

  it('moves a large body in both directions intact with back-pressure (a slow reader does not lose data)', async () => {
    const size = 24 * 1024 * 1024;
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) body.writeUInt32LE(i, i);
    let upstreamGot = 0;
    const port = await upstreamServer((socket) => {
      // Read slowly: pause after each chunk so the forwarder must stop reading from the client meanwhile.
      socket.on('data', (c: Buffer) => {
        upstreamGot += c.length;
        socket.pause();
        setImmediate(() => socket.resume());
      });
      socket.on('end', () => socket.end(body));
    });
    const forwarder = await forwarderTo(port);
    const client = await connect(forwarder.address()!.port);
    const reply = readAll(client);
    for (let offset = 0; offset < size; offset += 1024 * 1024) {
      if (!client.write(body.subarray(offset, offset + 1024 * 1024))) await new Promise((r) => client.once('drain', r));
    }
    client.end();
    const answer = await reply;
    expect(upstreamGot).toBe(size);
    expect(answer.length).toBe(size);
    expect(answer.equals(body)).toBe(true);
  });

  it('does not buffer without bound: an upstream that stops reading stops the client', async () => {
    const size = 128 * 1024 * 1024;
    const upstreamSockets: net.Socket[] = [];
    const port = await upstreamServer((socket) => {
      upstreamSockets.push(socket);
      socket.pause(); // reads nothing until told
    });
    const forwarder = await forwarderTo(port);
    const client = await connect(forwarder.address()!.port);
    client.write(Buffer.alloc(size, 7));
    // Wait until the bytes leaving the client stop moving (every buffer on the way is full).
    let last = -1;
    let still = 0;
    while (still < 5) {
      await new Promise((r) => setTimeout(r, 40));
      const accepted = size - client.writableLength;
      still = accepted === last ? still + 1 : 0;
      last = accepted;
    }
    // Without back-pressure the forwarder would read all 128 MB into memory; with it only the socket buffers
    // (kernel send/receive buffers of two loopback connections) hold data.
    expect(last).toBeLessThan(48 * 1024 * 1024);
    expect(client.writableLength).toBeGreaterThan(size - 48 * 1024 * 1024);
    for (const socket of upstreamSockets) socket.destroy();
  });

  it('Ollama gone: the client that found out gets a 503 and a FIN (no reset); during the drain others get the 503 at once; then ECONNREFUSED', async () => {
    const target = net.createServer((socket) => socket.on('error', () => {}).end());
    const port = await listen(target);
    const events: ForwarderEvent[] = [];
    // A slow probe: the refused connection, not the probe, is what notices here.
    const forwarder = await startForwarder({
      listen: { host: '127.0.0.1', port: 0 },
      target: { host: '127.0.0.1', port },
      log: (e) => events.push(e),
      probeMs: 60_000,
      lingerMs: 2_000,
      drainMs: 60_000,
    });
    cleanup.push(() => forwarder.close());
    const listenPort = forwarder.address()!.port;
    await new Promise<void>((r) => target.close(() => r()));
    const client = await connect(listenPort);
    const errors: Error[] = [];
    client.on('error', (e) => errors.push(e));
    client.write('GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = (await readAll(client)).toString();
    client.end();
    await new Promise((r) => client.once('close', r));
    expect(got).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4))).toEqual({
      error: `Ollama is not running: 127.0.0.1:${port} refused the connection (ECONNREFUSED)`,
    });
    expect(errors).toEqual([]);
    expect(events).toContainEqual(
      expect.objectContaining({ event: 'upstream-refused', target: `127.0.0.1:${port}`, reason: 'ECONNREFUSED' }),
    );
    expect(forwarder.state()).toBe('waiting');
    expect(events.at(-1)).toMatchObject({ event: 'waiting', listen: `127.0.0.1:${listenPort}` });
    // Still draining: the next client gets the 503 without a new attempt at the target.
    const refusedBefore = events.filter((e) => e.event === 'upstream-refused').length;
    const second = await connect(listenPort);
    second.end('GET / HTTP/1.1\r\n\r\n');
    expect((await readAll(second)).toString()).toMatch(/^HTTP\/1\.1 503 /);
    expect(events.filter((e) => e.event === 'upstream-refused').length).toBe(refusedBefore);
    expect(forwarder.accepting()).toBe(true);
  });

  it('after the drain the listener is closed: clients get ECONNREFUSED, a connect failure', async () => {
    const target = net.createServer((socket) => socket.on('error', () => {}).end());
    const port = await listen(target);
    const forwarder = await startForwarder({
      listen: { host: '127.0.0.1', port: 0 },
      target: { host: '127.0.0.1', port },
      probeMs: 60_000,
      drainMs: 0,
    });
    cleanup.push(() => forwarder.close());
    const listenPort = forwarder.address()!.port;
    await new Promise<void>((r) => target.close(() => r()));
    const client = await connect(listenPort);
    client.end();
    await readAll(client);
    await new Promise<void>((resolve) => {
      const poll = () => (!forwarder.accepting() ? resolve() : setTimeout(poll, 10));
      poll();
    });
    await expect(connect(listenPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('Ollama shutting down (closing its connections) is noticed at once, not at the next probe', async () => {
    const held: net.Socket[] = [];
    const target = net.createServer((socket) => {
      socket.on('error', () => {});
      held.push(socket);
    });
    const port = await listen(target);
    const events: ForwarderEvent[] = [];
    const forwarder = await startForwarder({
      listen: { host: '127.0.0.1', port: 0 },
      target: { host: '127.0.0.1', port },
      log: (e) => events.push(e),
      probeMs: 60_000,
      drainMs: 0,
    });
    cleanup.push(() => forwarder.close());
    const listenPort = forwarder.address()!.port;
    const client = await connect(listenPort);
    client.on('error', () => {});
    await new Promise<void>((resolve) => {
      const poll = () => (held.length >= 2 ? resolve() : setTimeout(poll, 10)); // the start-up probe + our relay
      poll();
    });
    // Shutdown as Ollama does it: stop accepting, close the open connections.
    const closed = new Promise<void>((r) => target.close(() => r()));
    for (const socket of held) socket.destroy();
    await closed;
    await new Promise<void>((resolve) => {
      const poll = () => (forwarder.state() === 'waiting' && !forwarder.accepting() ? resolve() : setTimeout(poll, 10));
      poll();
    });
    expect(events.at(-1)).toMatchObject({ event: 'waiting', reason: `127.0.0.1:${port}: ECONNREFUSED` });
    await expect(connect(listenPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('Ollama not there at start: waits without listening, then relays once it comes up', async () => {
    const free = async () => {
      const probe = net.createServer();
      const p = await listen(probe);
      await new Promise<void>((r) => probe.close(() => r()));
      return p;
    };
    const [listenPort, targetPort] = [await free(), await free()];
    const events: ForwarderEvent[] = [];
    const forwarder = await startForwarder({
      listen: { host: '127.0.0.1', port: listenPort },
      target: { host: '127.0.0.1', port: targetPort },
      log: (e) => events.push(e),
      probeMs: 50,
    });
    cleanup.push(() => forwarder.close());
    expect(forwarder.state()).toBe('waiting');
    expect(events[0]).toMatchObject({ event: 'waiting', reason: `127.0.0.1:${targetPort}: ECONNREFUSED` });
    await expect(connect(listenPort)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const target = net.createServer((socket) => socket.on('error', () => {}).end('ollama is up'));
    await listen(target, targetPort);
    cleanup.push(() => new Promise<void>((r) => target.close(() => r())));
    await new Promise<void>((resolve) => {
      const poll = () => (forwarder.state() === 'listening' ? resolve() : setTimeout(poll, 20));
      poll();
    });
    expect(forwarder.address()).toEqual({ host: '127.0.0.1', port: listenPort });
    const client = await connect(listenPort);
    expect((await readAll(client)).toString()).toBe('ollama is up');
  });

  it('steps aside when the address is already taken (Ollama itself listens there) and takes over once it is free', async () => {
    const occupant = net.createServer((s) => s.end('ollama'));
    const port = await listen(occupant);
    const target = await upstreamServer((s) => s.end('via-forwarder'));
    const events: ForwarderEvent[] = [];
    const forwarder = await startForwarder({
      listen: { host: '127.0.0.1', port },
      target: { host: '127.0.0.1', port: target },
      retryMs: 100,
      log: (e) => events.push(e),
    });
    cleanup.push(() => forwarder.close());
    expect(forwarder.state()).toBe('stepped-aside');
    expect(events[0]).toMatchObject({ event: 'stepped-aside', listen: `127.0.0.1:${port}` });
    expect(String((events[0] as { reason: string }).reason)).toContain('already taken');
    // The occupant still answers on that port: the forwarder did not disturb it.
    const early = await connect(port);
    expect((await readAll(early)).toString()).toBe('ollama');
    early.destroy();
    await new Promise<void>((r) => occupant.close(() => r()));
    await new Promise<void>((resolve) => {
      const poll = () => (forwarder.state() === 'listening' ? resolve() : setTimeout(poll, 50));
      poll();
    });
    expect((await readAll(await connect(port))).toString()).toBe('via-forwarder');
  });

  it('reports an address that is not on this host as unavailable instead of crashing', async () => {
    const events: ForwarderEvent[] = [];
    const target = await upstreamServer((socket) => socket.end());
    const forwarder = await startForwarder({
      listen: { host: '192.0.2.1', port: 0 },
      target: { host: '127.0.0.1', port: target },
      log: (e) => events.push(e),
    });
    cleanup.push(() => forwarder.close());
    expect(forwarder.state()).toBe('unavailable');
    expect(events[0]).toMatchObject({ event: 'unavailable', listen: '192.0.2.1:0' });
  });
});
