// How the stack's replicas reach Ollama — decided in one place, per platform:
//   Linux: host.docker.internal is the docker0 bridge address, where a stock Ollama (127.0.0.1:11434 only) does
//     not listen. The `ollama-forwarder` service (network_mode: host) binds that bridge address only and relays to
//     the host's 127.0.0.1:11434; the replicas' host.docker.internal is pinned to the same address.
//   macOS / Windows (Docker Desktop): host.docker.internal reaches the host's loopback already; no forwarder.
// OLLAMA_URLS (stack.env or the environment of `up`) still wins: the forwarder runs only when a URL points at it.
export const OLLAMA_PORT = 11434;
export const FORWARDER_SERVICE = 'ollama-forwarder';
export const FORWARDER_PROFILE = 'forwarder';
export const HOST_ALIAS = 'host.docker.internal';

export interface OllamaRouteInput {
  platform: NodeJS.Platform;
  /** The effective OLLAMA_URLS (comma-separated). */
  urls: string;
  /** The default bridge's gateway address (Engine API), null when unknown. */
  bridgeGateway: string | null;
}

export interface OllamaRoute {
  urls: string[];
  /** Where the forwarder listens (bridge address, port 11434), or null when it is off. */
  forwarder: { listen: string; target: string } | null;
  /** What the replicas' host.docker.internal resolves to (compose extra_hosts). */
  hostGateway: string;
  /** Why the forwarder is on or off, for `up`'s progress and `status`. */
  reason: string;
}

function pointsAtHost(url: string, bridge: string | null): boolean {
  try {
    const u = new URL(url);
    const port = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port);
    return port === OLLAMA_PORT && (u.hostname === HOST_ALIAS || (bridge !== null && u.hostname === bridge));
  } catch {
    return false;
  }
}

export function planOllamaRoute(input: OllamaRouteInput): OllamaRoute {
  const urls = input.urls
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  if (input.platform !== 'linux') {
    return {
      urls,
      forwarder: null,
      hostGateway: 'host-gateway',
      reason: `${HOST_ALIAS} reaches the host's Ollama directly (Docker Desktop)`,
    };
  }
  if (!urls.some((u) => pointsAtHost(u, input.bridgeGateway))) {
    return {
      urls,
      forwarder: null,
      hostGateway: 'host-gateway',
      reason: `OLLAMA_URLS does not point at ${HOST_ALIAS}:${OLLAMA_PORT}`,
    };
  }
  if (!input.bridgeGateway) {
    return {
      urls,
      forwarder: null,
      hostGateway: 'host-gateway',
      reason: 'the Docker bridge has no IPv4 gateway address',
    };
  }
  return {
    urls,
    forwarder: { listen: `${input.bridgeGateway}:${OLLAMA_PORT}`, target: `127.0.0.1:${OLLAMA_PORT}` },
    hostGateway: input.bridgeGateway,
    reason: `Ollama on the host's 127.0.0.1:${OLLAMA_PORT} is relayed on the bridge address ${input.bridgeGateway}:${OLLAMA_PORT}`,
  };
}

/** The compose environment for a route: profile, listen address and the replicas' host.docker.internal. */
export function routeComposeEnv(route: OllamaRoute, callerProfiles: string | undefined): Record<string, string> {
  const profiles = new Set(
    (callerProfiles ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );
  if (route.forwarder) profiles.add(FORWARDER_PROFILE);
  return {
    LLMGW_HOST_GATEWAY: route.hostGateway,
    ...(route.forwarder ? { LLMGW_FORWARD_LISTEN: route.forwarder.listen } : {}),
    ...(profiles.size ? { COMPOSE_PROFILES: [...profiles].join(',') } : {}),
  };
}

/**
 * The default bridge's gateway address: what host-gateway resolves to. Older engines leave Gateway out of IPAM;
 * then it is the subnet's first address (Docker's choice).
 */
export function bridgeGatewayOf(network: {
  IPAM?: { Config?: Array<{ Gateway?: string; Subnet?: string }> | null };
}): string | null {
  const configs = network.IPAM?.Config ?? [];
  const v4 = configs.find(
    (c) => (c.Gateway && /^\d+\.\d+\.\d+\.\d+$/.test(c.Gateway)) || /^\d+\.\d+\.\d+\.\d+\//.test(c.Subnet ?? ''),
  );
  if (v4?.Gateway && /^\d+\.\d+\.\d+\.\d+$/.test(v4.Gateway)) return v4.Gateway;
  const octets = v4?.Subnet?.split('/')[0]?.split('.').map(Number);
  if (!octets || octets.length !== 4) return null;
  octets[3] = octets[3]! + 1;
  return octets.join('.');
}

/**
 * The caller's environment as a user with a stock Ollama has it: no OLLAMA_URLS (nor COMPOSE_PROFILES), so
 * `llm-gateway up` picks the default route (on Linux: the ollama-forwarder to 127.0.0.1:11434). The bench and the
 * e2e/fault suites start the stack this way.
 */
export function stockOllamaEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { OLLAMA_URLS: _urls, COMPOSE_PROFILES: _profiles, ...rest } = env;
  return rest;
}
