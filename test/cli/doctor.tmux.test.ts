// `llm-gateway doctor` in a real terminal (tmux: its own server socket, send-keys, capture-pane) on two machine
// states: Ollama reachable from this computer but not from the stack (OLLAMA_URLS on 127.0.0.1, which inside a
// container is the container itself) → ✗ with its fix and exit code 1; and a healthy setup (the test upstream on the
// Docker bridge address, which both this computer and the containers reach; Docker is up) → all ✓, exit code 0.
// Needs the built CLI (`npm run build`), tmux and a running Docker Engine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeGatewayOf } from '../../main/stack/ollama-route.js';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'bin', 'llm-gateway.js');
const socket = `llmgw-doctor-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const homes: string[] = [];
let loopback: OllamaUpstream;
let bridged: OllamaUpstream;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

async function home(ollamaUrl: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-doctor-tmux-'));
  homes.push(dir);
  writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ version: 2, mode: 'stack', ollamaUrl }));
  return dir;
}

/** Types the command into the pane, waits for its exit line, returns the pane's text. */
async function runInPane(env: Record<string, string>, name: string): Promise<string> {
  tmux('new-session', '-d', '-s', name, '-x', '220', '-y', '60', 'sh');
  const vars = Object.entries(env)
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  tmux('send-keys', '-t', name, `clear; env ${vars} node '${cli}' doctor; echo "EXIT=$?"`, 'Enter');
  const deadline = Date.now() + 45_000;
  let pane = '';
  while (Date.now() < deadline) {
    pane = tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-200');
    if (/^EXIT=\d+$/m.test(pane)) return pane;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`doctor did not finish in the pane:\n${pane}`);
}

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js'))) throw new Error('Build first: `npm run build`.');
  execFileSync('tmux', ['-V']); // fails loudly without tmux
  const bridge = bridgeGatewayOf(
    (await new Docker().getNetwork('bridge').inspect()) as Parameters<typeof bridgeGatewayOf>[0],
  );
  if (!bridge) throw new Error('The Docker bridge network has no IPv4 gateway address.');
  loopback = await startOllamaUpstream();
  bridged = await startOllamaUpstream({ host: bridge });
});

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // no server was started
  }
  await loopback?.close();
  await bridged?.close();
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

const ports = async () => ({
  LLMGW_PORT: String(await freePort()),
  POSTGRES_PORT: String(await freePort()),
  REDIS_PORT: String(await freePort()),
});

describe('llm-gateway doctor in a terminal', () => {
  it('Ollama unreachable from the stack (listening on 127.0.0.1 only): ✗ with the fix, exit code 1', async () => {
    const pane = await runInPane(
      { LLMGW_HOME: await home(loopback.url), OLLAMA_URLS: loopback.url, ...(await ports()) },
      'broken',
    );
    console.log(`--- doctor, broken setup ---\n${pane.trim()}`);
    expect(pane).toMatch(/✓ Ollama reachable from this computer: Ollama \S+ answers at http:\/\/127\.0\.0\.1:\d+/);
    expect(pane).toContain(`✗ Ollama reachable from the stack: OLLAMA_URLS has ${loopback.url}`);
    expect(pane).toMatch(/ {4}fix: Remove OLLAMA_URLS from stack\.env/);
    expect(pane).toMatch(/1 check failed/);
    expect(pane).toMatch(/^EXIT=1$/m);
  });

  it('a healthy setup: every check ✓, exit code 0', async () => {
    const pane = await runInPane(
      { LLMGW_HOME: await home(bridged.url), OLLAMA_URLS: bridged.url, ...(await ports()) },
      'healthy',
    );
    console.log(`--- doctor, healthy setup ---\n${pane.trim()}`);
    expect(pane).not.toContain('✗');
    expect(pane).toContain('✓ Docker Engine: Docker Engine');
    expect(pane).toContain(`✓ Ollama reachable from the stack: OLLAMA_URLS=${bridged.url} (set by you) answer`);
    expect(pane).toContain('All checks passed.');
    expect(pane).toMatch(/^EXIT=0$/m);
  });
});
