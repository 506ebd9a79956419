// Turns compose's plain progress output into typed events (resource state changes, build steps, other text),
// so the CLI and the app show the same progress without knowing compose's text format.

export type ResourceKind = 'container' | 'network' | 'volume' | 'image' | 'service';

export type ProgressEvent =
  | { type: 'resource'; resource: ResourceKind; name: string; service?: string; status: string; done: boolean }
  | { type: 'build'; text: string }
  | { type: 'message'; text: string };

/** States after which a resource needs nothing more in this run (for progress bars). */
const DONE_STATES = /^(Started|Healthy|Running|Created|Removed|Stopped|Built|Exited|Recreated|Pulled)$/;

/** llm-gateway-api-gateway-2 → api-gateway; llm-gateway-nginx → nginx (the project prefix removed). */
export function serviceOf(containerName: string, project = 'llm-gateway'): string {
  const bare = containerName.startsWith(`${project}-`) ? containerName.slice(project.length + 1) : containerName;
  return bare.replace(/-\d+$/, '');
}

export function parseProgressLine(raw: string, project = 'llm-gateway'): ProgressEvent {
  const line = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim();
  const resource = /^(Container|Network|Volume|Image|Service)\s+"?([^"\s]+)"?\s+(.+)$/.exec(line);
  if (resource) {
    const kind = resource[1]!.toLowerCase() as ResourceKind;
    const name = resource[2]!;
    const status = resource[3]!.trim();
    return {
      type: 'resource',
      resource: kind,
      name,
      ...(kind === 'container' ? { service: serviceOf(name, project) } : {}),
      status,
      done: DONE_STATES.test(status),
    };
  }
  // BuildKit (`#5 [build 3/8] RUN npm ci`) and the classic builder (`Step 3/25 : RUN npm ci`).
  if (/^#\d+\s/.test(line) || /^Step \d+\/\d+ :/.test(line) || /^\s*-+>/.test(line))
    return { type: 'build', text: line };
  return { type: 'message', text: line };
}
