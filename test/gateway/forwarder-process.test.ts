// The ollama-forwarder service's process (the built entry point, as the container runs it) started while Ollama is
// not running: it must stay up waiting and start relaying once Ollama listens. (It used to exit 0 at once — its
// only handle was an unref'd probe timer — so Docker restarted it in a loop and `up` failed with "unhealthy".)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';

const ENTRY = path.resolve('dist/gateway/src/forwarder/main.js');

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let child: ChildProcess | undefined;
let target: net.Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
  await new Promise((resolve) => (target ? target.close(resolve) : resolve(undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
  child = target = dir = undefined;
});

it('waits for an Ollama that is not running yet, then relays to it', async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-forwarder-'));
  const stateFile = path.join(dir, 'state');
  const [listenPort, targetPort] = [await freePort(), await freePort()];
  let exited: number | null = null;
  child = spawn(process.execPath, [ENTRY], {
    env: {
      ...process.env,
      FORWARD_LISTEN: `127.0.0.1:${listenPort}`,
      FORWARD_TARGET: `127.0.0.1:${targetPort}`,
      FORWARD_STATE_FILE: stateFile,
      LOG_LEVEL: 'info',
    },
    stdio: 'ignore',
  });
  child.once('exit', (code) => (exited = code ?? -1));
  const state = () => {
    try {
      return readFileSync(stateFile, 'utf8');
    } catch {
      return '';
    }
  };
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok() && exited === null; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(exited, `the forwarder exited (code ${exited}) before ${what}`).toBeNull();
    expect(ok(), what).toBe(true);
  };
  await until('it reported waiting', () => state().startsWith('waiting '));

  // Ollama starts: the forwarder notices on its next probe (every second) and relays.
  // The forwarder's probes are bare connects it closes at once: their sockets end in resets, which are expected.
  target = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end('pong');
  });
  await new Promise<void>((resolve) => target!.listen(targetPort, '127.0.0.1', resolve));
  await until('it reported listening', () => state().startsWith('listening '));
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(listenPort, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.once('end', () => resolve(data));
    socket.on('error', reject); // a reset after the end is harmless (the promise has settled)
  });
  expect(reply).toBe('pong');
});
