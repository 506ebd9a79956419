// `llm-gateway start-app` (what `npm start` runs): opens the tray app; where Electron cannot start (no display, or
// its binary is missing) it says so in one line and runs `serve --start` instead, so the first command always ends
// in a working gateway (embedded mode when no Docker Engine answers) and a dashboard URL.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runServe, type ServeFlags } from './serve-command.js';

/** Why Electron cannot start here, or null when it can. */
export function electronBlocker(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
  binary: () => string = electronBinary,
): string | null {
  if (env.LLMGW_NO_ELECTRON === '1') return 'LLMGW_NO_ELECTRON=1';
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display';
  try {
    const file = binary();
    if (!existsSync(file)) return 'its binary is missing';
  } catch {
    return 'its binary is missing';
  }
  return null;
}

function electronBinary(): string {
  // The electron package exports the binary's path, and throws when the download was skipped.
  const value = createRequire(import.meta.url)('electron') as unknown;
  if (typeof value !== 'string') throw new Error('electron did not export a path');
  return value;
}

function appRoot(): string {
  // dist/main/cli/start-command.js → the package root (package.json "main" is the Electron entry).
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
}

export async function runStartApp(opts: ServeFlags): Promise<void> {
  const blocker = electronBlocker();
  if (blocker) {
    console.log(`Electron cannot start here (${blocker}); running the dashboard in serve mode instead.`);
    return runServe(opts, { start: true });
  }
  const child = spawn(electronBinary(), [appRoot()], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}
