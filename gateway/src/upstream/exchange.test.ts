// The upstream exchange on undici's handler API, against real HTTP servers: chunks that arrive before a consumer
// are replayed, back-pressure pauses the socket, abort works before and after the headers, connect failures move
// on to the next upstream.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { UpstreamPool } from './pool.js';

const log = pino({ level: 'silent' });
const servers: http.Server[] = [];
const pools: UpstreamPool[] = [];

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function pool(urls: string[]): UpstreamPool {
  const p = new UpstreamPool(urls, { connectMs: 1000, firstByteMs: 5000, idleMs: 5000 }, log);
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

describe('UpstreamPool.open', () => {
  it('keeps body chunks that arrive before a consumer and replays them in order', async () => {
    const url = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one,');
      res.end('two');
    });
    const upstreams = pool([url]);
    const call = upstreams.open({ method: 'POST', path: '/x', body: '{}' });
    const { statusCode, upstream } = await call.response;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the whole body is in by now, nobody consuming
    expect(statusCode).toBe(200);
    expect((await call.body.readAll()).toString()).toBe('one,two');
    expect(upstream.inFlight).toBe(0);
  });

  it('pauses the upstream socket while the consumer is slow, and gets every byte after resume', async () => {
    const piece = Buffer.alloc(64 * 1024, 'a');
    const pieces = 64; // 4 MiB: far beyond the socket buffers, so the writer must wait for the pause to end
    let drains = 0;
    const url = await serve((req, res) => {
      req.resume();
      res.writeHead(200);
      let sent = 0;
      const pump = () => {
        while (sent < pieces) {
          sent += 1;
          if (!res.write(piece)) {
            drains += 1;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const call = pool([url]).open({ method: 'GET', path: '/big' });
    await call.response;
    let received = 0;
    let paused = false;
    let whilePaused = 0;
    const done = new Promise<void>((resolve, reject) => {
      call.body.consume({
        data: (chunk) => {
          if (paused) whilePaused += chunk.length;
          received += chunk.length;
          if (received < piece.length * 4 && !paused) {
            paused = true;
            call.body.pause();
            setTimeout(() => {
              paused = false;
              call.body.resume();
            }, 20);
          }
        },
        end: resolve,
        error: reject,
      });
    });
    await done;
    expect(received).toBe(piece.length * pieces);
    expect(drains).toBeGreaterThan(0);
    // At most what the parser already held when pause() came; nothing read from the socket while paused.
    expect(whilePaused).toBeLessThan(piece.length * 2);
  });

  it('aborts before the headers: the response rejects and the upstream sees the connection go', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    let arrived!: () => void;
    const received = new Promise<void>((resolve) => (arrived = resolve));
    const url = await serve((req, res) => {
      res.on('close', upstreamClosed); // never answers
      arrived();
    });
    const upstreams = pool([url]);
    const call = upstreams.open({ method: 'POST', path: '/slow', body: '{}' });
    // Aborted once the upstream has the request (ordered by the event, not a delay that a loaded machine outruns).
    await received;
    call.body.abort();
    await expect(call.response).rejects.toThrow(/aborted/);
    await closed;
    expect(upstreams.upstreams[0]!.inFlight).toBe(0);
  });

  it('aborts mid-body: the consumer gets an error and the upstream connection is closed', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const url = await serve((req, res) => {
      req.resume();
      res.writeHead(200);
      res.write('first');
      res.on('close', upstreamClosed);
    });
    const call = pool([url]).open({ method: 'GET', path: '/stream' });
    await call.response;
    const outcome = new Promise<string>((resolve) => {
      call.body.consume({
        data: () => call.body.abort(),
        end: () => resolve('ended'),
        error: (err) => resolve(`error: ${err.message}`),
      });
    });
    expect(await outcome).toMatch(/^error: .*aborted/);
    await closed;
  });

  it('moves on to the next upstream when the first refuses the connection', async () => {
    const url = await serve((req, res) => {
      req.resume();
      res.end('ok');
    });
    const upstreams = pool(['http://127.0.0.1:9', url]);
    const call = upstreams.open({ method: 'GET', path: '/' });
    const { upstream } = await call.response;
    expect(upstream.url).toBe(url);
    expect((await call.body.readAll()).toString()).toBe('ok');
    expect(upstreams.upstreams[0]!.healthy).toBe(false);
  });
});
