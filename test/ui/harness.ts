// The UI suite's fixtures: the Ollama-compatible upstream, a temp LLMGW_HOME set to embedded mode on a free port,
// the real `llm-gateway serve --start` process (built CLI), and Debian's Chromium through playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOTS = process.env.LLMGW_UI_SCREENSHOTS ?? path.join(os.tmpdir(), 'llmgw-ui-screenshots');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface UiHarness {
  upstream: OllamaUpstream;
  home: string;
  gatewayPort: number;
  dashboardUrl: string;
  origin: string;
  browser: Browser;
  output: () => string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Prepares the temp LLMGW_HOME before serve starts (e.g. a machine state the doctor must report). */
  prepareHome?: (home: string) => void;
}

export async function startHarness(options: HarnessOptions = {}): Promise<UiHarness> {
  const root = path.resolve(import.meta.dirname, '../..');
  const cli = path.join(root, 'bin', 'llm-gateway.js');
  if (
    !existsSync(path.join(root, 'dist', 'main', 'cli', 'index.js')) ||
    !existsSync(path.join(root, 'renderer', 'dist', 'index.html'))
  ) {
    throw new Error('Build first: `npm run build` (npm run test:ui does it).');
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  const upstream = await startOllamaUpstream({ behaviour: { pullStepDelayMs: 120, pullSteps: 12, chunkDelayMs: 40 } });
  const home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-ui-'));
  const gatewayPort = await freePort();
  writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({ version: 2, mode: 'embedded', ollamaUrl: upstream.url, ports: { gateway: gatewayPort } }),
  );
  options.prepareHome?.(home);
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--port', '0', '--start'], {
    env: { ...process.env, LLMGW_HOME: home, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const dashboardUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 30 s:\n${output}`)), 30_000);
    const look = () => {
      const match = /Dashboard: (http:\/\/\S+#token=\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => reject(new Error(`serve exited (${code}):\n${output}`)));
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  return {
    upstream,
    home,
    gatewayPort,
    dashboardUrl,
    origin: new URL(dashboardUrl).origin,
    browser,
    output: () => output,
    async close() {
      await browser.close().catch(() => undefined);
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await upstream.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
