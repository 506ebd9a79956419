// Docker checks: the Engine (found the way the stack controller finds it, with its version), Compose v2 (located and
// version-checked as `up` does), and the Engine's clock against this computer's (a VM that slept drifts).
import os from 'node:os';
import { locateCompose } from '../../stack/compose.js';
import { discoverEngine, type Engine } from '../../stack/engine.js';
import { STACK_ERRORS, StackError } from '../../stack/errors.js';
import { blocked, fail, pass, type DoctorCheck } from './check.js';

/** More skew than this breaks key expiry, usage time ranges and TLS to registries. */
export const MAX_CLOCK_SKEW_MS = 30_000;

export interface EngineResult {
  check: DoctorCheck;
  engine: Engine | null;
}

export async function checkEngine(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<EngineResult> {
  const title = 'Docker Engine';
  try {
    const engine = await discoverEngine(
      { platform, env, home: os.homedir(), uid: process.getuid?.() ?? 0 },
      undefined,
      3_000,
    );
    return {
      check: pass(
        'docker.engine',
        title,
        `Docker Engine ${engine.version} at ${engine.candidate.address} (${engine.candidate.label})`,
      ),
      engine,
    };
  } catch (err) {
    const message = err instanceof StackError ? err.message : `The Docker Engine failed: ${(err as Error).message}`;
    return { check: fail('docker.engine', title, message, STACK_ERRORS.no_engine.hint), engine: null };
  }
}

export async function checkCompose(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const title = 'Docker Compose v2';
  try {
    const compose = await locateCompose(env);
    return pass(
      'docker.compose',
      title,
      `Docker Compose ${compose.version} (${[compose.command, ...compose.prefix].join(' ')})`,
    );
  } catch (err) {
    if (err instanceof StackError) return fail('docker.compose', title, err.message, err.hint);
    throw err;
  }
}

/** Pure: the skew between this computer's clock and the Engine's, the request's round trip allowed for. */
export function clockCheck(hostBefore: number, hostAfter: number, engineTime: string | undefined): DoctorCheck {
  const title = 'Clock';
  const engine = engineTime ? Date.parse(engineTime) : Number.NaN;
  if (Number.isNaN(engine)) return pass('clock', title, 'the Docker Engine did not report its time; not compared');
  const mid = (hostBefore + hostAfter) / 2;
  const skew = engine - mid;
  const seconds = Math.abs(skew / 1000).toFixed(1);
  if (Math.abs(skew) <= MAX_CLOCK_SKEW_MS + (hostAfter - hostBefore) / 2)
    return pass('clock', title, `this computer and the Docker Engine agree (within ${seconds} s)`);
  return fail(
    'clock',
    title,
    `the Docker Engine's clock is ${seconds} s ${skew > 0 ? 'ahead of' : 'behind'} this computer's`,
    'Sync the clocks: enable NTP (`timedatectl set-ntp true` on Linux); for Docker Desktop, restart it (its VM drifts after sleep).',
  );
}

export async function checkClock(engineCheck: DoctorCheck, engine: Engine | null): Promise<DoctorCheck> {
  if (!engine) return blocked('clock', 'Clock', engineCheck);
  const before = Date.now();
  const info = (await engine.docker.info().catch(() => null)) as { SystemTime?: string } | null;
  return clockCheck(before, Date.now(), info?.SystemTime);
}
