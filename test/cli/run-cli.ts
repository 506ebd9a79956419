// Runs the built `bin/llm-gateway.js` as a user would (its own process, a private data folder) and collects what
// it printed. Fails loudly when the CLI is not built (npm run build).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CLI = path.resolve('bin/llm-gateway.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(path.resolve('dist/main/cli/index.js')))
    throw new Error('The CLI is not built: run `npm run build` before these tests.');
}

/** A fresh LLMGW_HOME whose settings point the control plane at `ollamaUrl`. */
export function tempHome(ollamaUrl?: string): { home: string; remove(): void } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-cli-'));
  if (ollamaUrl) writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ version: 2, ollamaUrl }));
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return finished(spawnCli(args, env));
}
