// Where the stack's files live: LLMGW_HOME (the per-user app-data folder) and the compose definition.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compose project: container names, labels and volumes all carry it. */
export const PROJECT = 'llm-gateway';

/**
 * Where a packaged app's `extraResources` put the compose file and the gateway image's build context
 * (electron-builder.yml ships them as `<resources>/stack/` with the checkout's relative layout, because
 * `docker compose` is an external process and cannot read inside app.asar).
 */
export const PACKAGED_STACK_DIR = 'stack';

/** The per-user app-data folder (what Electron's app.getPath('userData') picks), unless LLMGW_HOME is set. */
export function llmgwHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.LLMGW_HOME) return path.resolve(env.LLMGW_HOME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PROJECT);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PROJECT);
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), PROJECT);
}

export interface ComposeFileOptions {
  /**
   * A packaged app's resources folder (Electron's `process.resourcesPath`, passed only when `app.isPackaged`:
   * an unpackaged Electron's resources folder is Electron's own). Plain Node has no such folder.
   */
  resourcesPath?: string | undefined;
  /** Where the checkout walk-up starts (tests); default: this module's folder. */
  from?: string;
}

/**
 * The compose file to run: LLMGW_COMPOSE_FILE if set; in a packaged app `<resources>/stack/compose/docker-compose.yml`
 * (the app itself sets LLMGW_COMPOSE_FILE to its copy in LLMGW_HOME, see stack-files.ts; this path is the fallback);
 * else compose/docker-compose.yml of this checkout. This module runs from main/stack (tests) and from dist/main/stack
 * (built CLI), so walk up until a compose/ folder appears.
 */
export function composeFile(env: NodeJS.ProcessEnv = process.env, options: ComposeFileOptions = {}): string {
  if (env.LLMGW_COMPOSE_FILE) return path.resolve(env.LLMGW_COMPOSE_FILE);
  // No existence check for the packaged path: if the package lacks it, compose's "no such file" names the real place
  // to look, where a fallback walk-up from inside app.asar would name an unrelated one.
  if (options.resourcesPath)
    return path.join(options.resourcesPath, PACKAGED_STACK_DIR, 'compose', 'docker-compose.yml');
  let dir = options.from ?? path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    const candidate = path.join(dir, 'compose', 'docker-compose.yml');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.resolve('compose', 'docker-compose.yml');
}
