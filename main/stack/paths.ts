// Where the stack's files live: LLMGW_HOME (the per-user app-data folder) and the compose definition.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compose project: container names, labels and volumes all carry it. */
export const PROJECT = 'llm-gateway';

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

/**
 * compose/docker-compose.yml of this checkout. This module runs from main/stack (tests) and from
 * dist/main/stack (built CLI), so walk up until a compose/ folder appears. LLMGW_COMPOSE_FILE overrides.
 */
export function composeFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LLMGW_COMPOSE_FILE) return path.resolve(env.LLMGW_COMPOSE_FILE);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    const candidate = path.join(dir, 'compose', 'docker-compose.yml');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return path.resolve('compose', 'docker-compose.yml');
}
