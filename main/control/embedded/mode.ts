// Which mode to run in: the settings' choice, or for `auto` the stack when a Docker Engine answers, else embedded.
import os from 'node:os';
import { discoverEngine } from '../../stack/engine.js';

export type ChosenMode = 'stack' | 'embedded';

/** True when some Docker Engine answers within the timeout. */
export async function dockerReachable(env: NodeJS.ProcessEnv = process.env, timeoutMs = 1_500): Promise<boolean> {
  try {
    await discoverEngine(
      { platform: process.platform, env, home: os.homedir(), uid: process.getuid?.() ?? 0 },
      undefined,
      timeoutMs,
    );
    return true;
  } catch {
    return false;
  }
}

export async function resolveMode(
  setting: 'stack' | 'embedded' | 'auto',
  docker: () => Promise<boolean>,
): Promise<ChosenMode> {
  if (setting !== 'auto') return setting;
  return (await docker()) ? 'stack' : 'embedded';
}
