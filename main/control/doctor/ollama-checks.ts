// Ollama checks: installed (the binary on PATH, or a server answering elsewhere), reachable from this computer at
// the app's Ollama URL (with its version), models present, and reachable from the stack: the replicas' own route
// (main/stack/ollama-route.ts), diagnosed by the same code `status` and the tray use (health/ollama-reach.ts).
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { CONTROL_ERRORS, toControlError } from '../errors.js';
import { diagnoseOllama, probeOllamaReach, probeVersion } from '../health/ollama-reach.js';
import { OllamaClient } from '../models/ollama-client.js';
import { OLLAMA_PORT } from '../../stack/ollama-route.js';
import type { StackController } from '../../stack/controller.js';
import { blocked, fail, pass, type DoctorCheck } from './check.js';

const INSTALL_FIX =
  'Install Ollama from https://ollama.com/download (Linux: `curl -fsSL https://ollama.com/install.sh | sh`), then start it.';
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0']);

/** The first executable `name` on PATH (with the Windows extensions), or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | null {
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  const names = platform === 'win32' ? ['.exe', '.cmd', ''].map((ext) => `${name}${ext}`) : [name];
  for (const dir of dirs) {
    for (const file of names) {
      const candidate = path.join(dir, file);
      try {
        accessSync(candidate, platform === 'win32' ? constants.F_OK : constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return null;
}

export interface HostOllama {
  url: string;
  version: string | null;
  error: string | null;
  models: string[] | null;
}

/** One round of probes at the app's Ollama URL: version, then the installed models. */
export async function probeHostOllama(url: string, timeoutMs: number): Promise<HostOllama> {
  const client = new OllamaClient(url, timeoutMs);
  try {
    const version = await client.version();
    const models = await client
      .list()
      .then((list) => list.map((m) => m.name))
      .catch(() => null);
    return { url, version, error: null, models };
  } catch (err) {
    return { url, version: null, error: toControlError(err).message, models: null };
  }
}

export function installedCheck(binary: string | null, host: HostOllama): DoctorCheck {
  const title = 'Ollama installed';
  if (binary) return pass('ollama.installed', title, `ollama at ${binary}`);
  if (host.version)
    return pass('ollama.installed', title, `not on PATH, but Ollama ${host.version} answers at ${host.url}`);
  return fail('ollama.installed', title, 'no `ollama` on PATH and nothing answers at the Ollama URL', INSTALL_FIX);
}

export function hostCheck(host: HostOllama): DoctorCheck {
  const title = 'Ollama reachable from this computer';
  if (host.version) return pass('ollama.host', title, `Ollama ${host.version} answers at ${host.url}`);
  return fail('ollama.host', title, host.error ?? `${host.url} did not answer`, CONTROL_ERRORS.ollama_unreachable.hint);
}

export function modelsCheck(host: HostOllama, hostResult: DoctorCheck): DoctorCheck {
  const title = 'Ollama models';
  if (!host.version) return blocked('ollama.models', title, hostResult);
  if (host.models === null)
    return fail('ollama.models', title, `${host.url}/api/tags did not answer`, CONTROL_ERRORS.ollama_error.hint);
  if (host.models.length === 0)
    return fail(
      'ollama.models',
      title,
      'no model is installed',
      "Pull one: `ollama pull llama3.2:1b` (small), or pick one in the dashboard's Models panel.",
    );
  const shown = host.models.slice(0, 5).join(', ');
  return pass(
    'ollama.models',
    title,
    `${host.models.length} installed: ${shown}${host.models.length > 5 ? ', …' : ''}`,
  );
}

function loopbackUrls(urls: string[]): string[] {
  return urls.filter((u) => {
    try {
      return LOOPBACK_NAMES.has(new URL(u).hostname);
    } catch {
      return false;
    }
  });
}

/**
 * Whether the stack's replicas can reach Ollama by their route. A running stack is probed as `status` does; a stack
 * not running yet is judged by what `up` would set up: the forwarder relays the host's 127.0.0.1:11434 (so that must
 * answer), and addresses set in OLLAMA_URLS must not be loopback (inside a container that is the container itself).
 */
export async function stackReachCheck(
  controller: StackController,
  engineCheck: DoctorCheck,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const id = 'ollama.stack';
  const title = 'Ollama reachable from the stack';
  if (!engineCheck.ok) return blocked(id, title, engineCheck);
  const route = await controller.ollamaRoute();
  const loopback = loopbackUrls(route.urls);
  if (loopback.length > 0) {
    return fail(
      id,
      title,
      `OLLAMA_URLS has ${loopback.join(', ')}: inside the stack's containers that address is the container itself, not this computer, so the gateways cannot reach Ollama there.`,
      `Remove OLLAMA_URLS from stack.env and the environment (the default http://host.docker.internal:${OLLAMA_PORT} reaches this computer's 127.0.0.1:${OLLAMA_PORT}), or set it to an address the containers can reach; then run \`llm-gateway up\`.`,
    );
  }
  const containers = await controller.containers();
  const running = containers.some((c) => c.state === 'running');
  const reach = running
    ? await probeOllamaReach(route, containers, { timeoutMs })
    : route.forwarder
      ? null
      : diagnoseOllama({
          route,
          host: await probeVersion(`http://127.0.0.1:${OLLAMA_PORT}`, timeoutMs),
          relay: null,
          forwarder: null,
        });
  if (reach === null) {
    // Not running, forwarder route: `up` starts the forwarder, which relays to the host's 127.0.0.1:11434.
    const host = await probeVersion(`http://127.0.0.1:${OLLAMA_PORT}`, timeoutMs);
    if (host.ok)
      return pass(
        id,
        title,
        `stack not running; on \`up\` the forwarder relays ${route.forwarder!.listen} → 127.0.0.1:${OLLAMA_PORT}, where Ollama ${host.version} answers`,
      );
    return fail(
      id,
      title,
      `nothing answers at 127.0.0.1:${OLLAMA_PORT} (${host.error}), where the stack's forwarder relays ${route.forwarder!.listen}`,
      CONTROL_ERRORS.ollama_not_running.hint,
    );
  }
  if (reach.ok === true) return pass(id, title, reach.summary);
  if (reach.ok === false) return fail(id, title, `${reach.message} (tried ${reach.tried})`, reach.hint);
  // Addresses set by the user: not loopback (checked above); the best this computer can tell is whether they answer.
  const probes = await Promise.all(route.urls.map(async (url) => ({ url, probe: await probeVersion(url, timeoutMs) })));
  const dead = probes.filter((p) => !p.probe.ok);
  if (dead.length === 0)
    return pass(
      id,
      title,
      `OLLAMA_URLS=${route.urls.join(',')} (set by you) answer${running ? '' : '; stack not running'}`,
    );
  return fail(
    id,
    title,
    `OLLAMA_URLS (set by you): ${dead.map((d) => `${d.url} does not answer (${d.probe.ok ? '' : d.probe.error})`).join('; ')}`,
    CONTROL_ERRORS.ollama_unreachable_from_stack.hint,
  );
}
