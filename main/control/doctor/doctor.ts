// `llm-gateway doctor` and the dashboard's Overview: every reason the product would not work on this machine, in one
// list of checks {id, title, ok, detail, fix}. The probes are the product's own (engine discovery, compose lookup,
// the Ollama route and reach diagnosis, the port probe); this module only runs them and words the result.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StackController } from '../../stack/controller.js';
import { effectiveValues, ENV_FILE_NAME, parseEnvFile } from '../../stack/env-file.js';
import { llmgwHome } from '../../stack/paths.js';
import { fail, type DoctorCheck, type DoctorReport } from './check.js';
import { checkEmbeddedDatabase } from './database-check.js';
import { checkClock, checkCompose, checkEngine } from './docker-checks.js';
import { checkDataFolder, checkSecrets } from './file-checks.js';
import {
  findOnPath,
  hostCheck,
  installedCheck,
  modelsCheck,
  probeHostOllama,
  stackReachCheck,
} from './ollama-checks.js';
import { checkPorts, stackPorts } from './port-checks.js';

export type { DoctorCheck, DoctorReport } from './check.js';

export interface DoctorOptions {
  /** The environment `up` would run with (DOCKER_HOST, OLLAMA_URLS, port overrides, PATH). */
  env?: NodeJS.ProcessEnv;
  /** $LLMGW_HOME; default from env. */
  home?: string;
  platform?: NodeJS.Platform;
  /** The app's Ollama URL (settings.ollamaUrl): what embedded mode, the tray and the dashboard talk to. */
  ollamaUrl?: string;
  /** Ports this app holds itself (the embedded gateway's), so they do not count as taken by another program. */
  appPorts?: ReadonlyMap<number, string>;
  /** Per network probe. */
  timeoutMs?: number;
}

/** Runs a check and turns an unexpected throw into its failure (one broken probe must not hide the others). */
async function guarded(id: string, title: string, run: () => Promise<DoctorCheck>): Promise<DoctorCheck> {
  try {
    return await run();
  } catch (err) {
    return fail(
      id,
      title,
      `the check itself failed: ${(err as Error).message}`,
      'Run `llm-gateway doctor --json` and report it.',
    );
  }
}

function stackValues(home: string, env: NodeJS.ProcessEnv): Record<string, string> {
  try {
    return effectiveValues(parseEnvFile(readFileSync(path.join(home, ENV_FILE_NAME), 'utf8')), env);
  } catch {
    return effectiveValues({}, env); // no stack.env yet: the defaults and the environment's overrides
  }
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const home = options.home ?? llmgwHome(env, platform);
  const timeoutMs = options.timeoutMs ?? 2_000;
  const ollamaUrl = options.ollamaUrl ?? 'http://127.0.0.1:11434';
  const controller = new StackController({ env, home, platform });

  const [engine, compose, host] = await Promise.all([
    checkEngine(env, platform),
    guarded('docker.compose', 'Docker Compose v2', () => checkCompose(env)),
    probeHostOllama(ollamaUrl, timeoutMs),
  ]);
  const containers = engine.engine ? await controller.containers().catch(() => null) : null;
  const hostResult = hostCheck(host);
  const [clock, stack, ports] = await Promise.all([
    guarded('clock', 'Clock', () => checkClock(engine.check, engine.engine)),
    guarded('ollama.stack', 'Ollama reachable from the stack', () =>
      stackReachCheck(controller, engine.check, timeoutMs),
    ),
    checkPorts(stackPorts(stackValues(home, env)), containers, options.appPorts),
  ]);
  const checks: DoctorCheck[] = [
    engine.check,
    compose,
    installedCheck(findOnPath('ollama', env, platform), host),
    hostResult,
    modelsCheck(host, hostResult),
    stack,
    ...ports,
    checkDataFolder(home, platform),
    checkSecrets(home, platform),
    checkEmbeddedDatabase(home),
    clock,
  ];
  return { ok: checks.every((c) => c.ok), checkedAt: new Date().toISOString(), checks };
}

/** Terminal lines: ✓/✗ per check, the fix under each failure. */
export function renderDoctor(report: DoctorReport, colour: boolean): string {
  const paint = (code: string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const lines = report.checks.flatMap((c) => [
    `${c.ok ? paint('32', '✓') : paint('31', '✗')} ${c.title}: ${c.detail}`,
    ...(c.ok ? [] : [`    fix: ${c.fix}`]),
  ]);
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push(
    '',
    failed === 0
      ? 'All checks passed.'
      : `${failed} check${failed === 1 ? '' : 's'} failed: do the "fix" under each ✗, then run \`llm-gateway doctor\` again.`,
  );
  return lines.join('\n');
}
