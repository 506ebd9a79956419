// Can the stack reach Ollama, and if not, why and what fixes it — one diagnosis for `llm-gateway status`, the
// readiness suite, the tray and the dashboard. Pure `diagnoseOllama` over what was probed from the host:
// Ollama's own address (127.0.0.1:11434), the forwarder's bridge address (the path the replicas take) and the
// forwarder container's state. `probeOllamaReach` gathers those probes.
import { CONTROL_ERRORS, type ControlErrorCode } from '../errors.js';
import { FORWARDER_SERVICE, HOST_ALIAS, OLLAMA_PORT, type OllamaRoute } from '../../stack/ollama-route.js';
import type { VersionProbe, OllamaReach } from '../../../common/protocol/views.js';
export type { VersionProbe, OllamaReach } from '../../../common/protocol/views.js';

export interface ReachInputs {
  route: OllamaRoute;
  /** GET http://127.0.0.1:11434/api/version from the host: where a stock Ollama listens. */
  host: VersionProbe;
  /** GET http://<bridge>:11434/api/version from the host: what the replicas reach (forwarder on only). */
  relay: VersionProbe | null;
  /** The ollama-forwarder container (forwarder on only); null when it does not exist. */
  forwarder: { state: string; health: string } | null;
}

const LOOPBACK = `127.0.0.1:${OLLAMA_PORT}`;

function fail(
  code: ControlErrorCode,
  message: string,
  tried: string,
  listens: string,
  hint: string = CONTROL_ERRORS[code].hint,
): OllamaReach {
  return { ok: false, code, message, hint, tried, listens };
}

export function diagnoseOllama({ route, host, relay, forwarder }: ReachInputs): OllamaReach {
  const listens = host.ok
    ? `Ollama ${host.version} answers at ${LOOPBACK}`
    : `nothing answers at ${LOOPBACK} (${host.error})`;
  if (route.forwarder) {
    const tried = `${route.forwarder.listen} (forwarder → ${route.forwarder.target})`;
    if (relay?.ok)
      return {
        ok: true,
        summary: `Ollama ${relay.version} reached through the forwarder ${route.forwarder.listen} → ${route.forwarder.target}`,
        tried,
      };
    if (!host.ok) {
      return fail(
        'ollama_not_running',
        `Ollama is not running: ${listens}, so the stack's replicas get no answer at ${route.forwarder.listen}.`,
        tried,
        listens,
      );
    }
    const state = forwarder
      ? `${forwarder.state}${forwarder.health !== 'none' ? `/${forwarder.health}` : ''}`
      : 'missing';
    if (!forwarder || forwarder.state !== 'running') {
      return fail(
        'ollama_forwarder_down',
        `${listens}, but the ${FORWARDER_SERVICE} container is ${state}, so the replicas cannot reach it at ${route.forwarder.listen}.`,
        tried,
        listens,
      );
    }
    return fail(
      'ollama_forwarder_down',
      `${listens}, but ${route.forwarder.listen} does not answer (${relay?.error ?? 'not probed'}) although ${FORWARDER_SERVICE} is ${state}.`,
      tried,
      listens,
      `${CONTROL_ERRORS.ollama_forwarder_down.hint} If it keeps failing, a host firewall may block the docker0 interface on port ${OLLAMA_PORT}.`,
    );
  }
  const defaultHost = route.urls.some((u) => u.includes(`${HOST_ALIAS}:${OLLAMA_PORT}`));
  if (route.hostGateway === 'host-gateway' && defaultHost && !route.reason.startsWith('the Docker bridge')) {
    // Docker Desktop: host.docker.internal is the host's loopback, so the host's own probe is the replicas' path.
    const tried = `${HOST_ALIAS}:${OLLAMA_PORT} (Docker Desktop → the host's ${LOOPBACK})`;
    if (host.ok)
      return {
        ok: true,
        summary: `Ollama ${host.version} reached at ${HOST_ALIAS}:${OLLAMA_PORT} (Docker Desktop)`,
        tried,
      };
    return fail('ollama_not_running', `Ollama is not running: ${listens}.`, tried, listens);
  }
  if (defaultHost) {
    return fail(
      'ollama_unreachable_from_stack',
      `The stack cannot relay to Ollama here: ${route.reason}. ${listens}.`,
      `${HOST_ALIAS}:${OLLAMA_PORT}`,
      listens,
    );
  }
  return {
    ok: null,
    summary: `OLLAMA_URLS=${route.urls.join(',')} (set by you; the gateways check these)`,
    tried: route.urls.join(', '),
  };
}

/** GET <url>/api/version: Ollama's version, or why nothing answered (the doctor probes with it too). */
export async function probeVersion(url: string, timeoutMs: number): Promise<VersionProbe> {
  try {
    const res = await fetch(`${url}/api/version`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { ok: false, error: `HTTP ${res.status}` };
    const body = (await res.json()) as { version?: unknown };
    return { ok: true, version: typeof body.version === 'string' ? body.version : '?' };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { ok: false, error: cause?.code ?? (err as Error).message };
  }
}

/** Probes from the host and diagnoses; `containers` is the stack's container list (for the forwarder's state). */
export async function probeOllamaReach(
  route: OllamaRoute,
  containers: Array<{ service: string; state: string; health: string }>,
  options: { timeoutMs?: number; hostUrl?: string } = {},
): Promise<OllamaReach> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const [host, relay] = await Promise.all([
    probeVersion(options.hostUrl ?? `http://${LOOPBACK}`, timeoutMs),
    route.forwarder ? probeVersion(`http://${route.forwarder.listen}`, timeoutMs) : Promise.resolve(null),
  ]);
  const container = containers.find((c) => c.service === FORWARDER_SERVICE);
  return diagnoseOllama({
    route,
    host,
    relay,
    forwarder: container ? { state: container.state, health: container.health } : null,
  });
}

/** One line for terminals and the tray: what works, or what is wrong and the fix. */
export function reachLine(reach: OllamaReach): string {
  if (reach.ok !== false) return `Ollama: ${reach.summary}`;
  return `Ollama: ${reach.message}\n  tried: ${reach.tried}\n  fix: ${reach.hint}`;
}
