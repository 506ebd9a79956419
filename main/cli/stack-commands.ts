// `llm-gateway up|down|stop|start|restart|status|logs|events`: the Compose stack from the command line, on top of
// the stack controller. Human-readable progress on a terminal; JSON lines (one event per line) with --json.
import path from 'node:path';
import { StackController, type ControllerEvent, type StackStatus } from '../stack/controller.js';
import { StackError } from '../stack/errors.js';
import type { StackEvent } from '../stack/events.js';
import { probeOllamaReach, reachLine } from '../control/health/ollama-reach.js';
import { CliError } from './errors.js';
import { failureOf } from './exit.js';
import { UpProgress } from './up-progress.js';
import { watchStatus } from './status-watch.js';

export const STACK_COMMANDS = ['up', 'down', 'stop', 'start', 'restart', 'status', 'logs', 'events'] as const;
export type StackCommand = (typeof STACK_COMMANDS)[number];

/** The parsed options of any stack command (commands.ts defines which command takes which). */
export interface StackOptions {
  json?: boolean;
  verbose?: boolean;
  volumes?: boolean;
  follow?: boolean;
  tail?: number;
  watch?: boolean;
  tls?: boolean;
  tlsPort?: number;
  tlsCert?: string;
  tlsKey?: string;
  tlsRedirect?: boolean;
  allowIp?: string[];
  monitoring?: boolean;
  grafana?: boolean;
  swarm?: boolean;
  replicas?: number;
  /** Seconds between status readings with --watch. */
  interval?: number;
  /** `logs --request-id`: one request's lines across the services. */
  requestId?: string;
}

export function asStackCommand(name: string): StackCommand {
  const command = STACK_COMMANDS.find((c) => c === name);
  if (!command) throw new CliError('usage', `Unknown stack command '${name}'.`);
  return command;
}

function formatUptime(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export function renderStatus(status: StackStatus): string {
  if (status.containers.length === 0 && status.mode !== 'swarm')
    return `Stack ${status.project}: not created (run \`llm-gateway up\`).`;
  const rows = [['SERVICE', '#', 'CONTAINER', 'STATE', 'HEALTH', 'PORTS', 'UPTIME']];
  for (const c of status.containers) {
    const ports = c.ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}`).join(', ') || '-';
    rows.push([c.service, String(c.replica), c.name, c.state, c.health, ports, formatUptime(c.uptimeS)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  const route = status.ollama
    ? [
        `Ollama route: ${status.ollama.forwarder ? `forwarder ${status.ollama.forwarder.listen} → ${status.ollama.forwarder.target}` : 'direct'} (${status.ollama.reason})`,
      ]
    : [];
  const mode = status.mode === 'swarm' ? ' (Docker Swarm; the tasks on this node)' : '';
  return [`Stack ${status.project}: ${status.state}${mode}`, ...lines, ...route].join('\n');
}

/** One human line per event, or null to stay quiet (build chatter without --verbose). */
export function renderEvent(event: ControllerEvent, verbose: boolean, state: { building: boolean }): string | null {
  switch (event.type) {
    case 'step':
      return `• ${event.text}`;
    case 'resource':
      return `  ${event.done ? '✔' : '…'} ${event.resource} ${event.name}: ${event.status}`;
    case 'build':
      if (verbose) return `    ${event.text}`;
      if (state.building) return null;
      state.building = true;
      return '  … building the gateway image (--verbose shows the build)';
    case 'message':
      return verbose || /error|warn|fail/i.test(event.text) ? `  ${event.text}` : null;
    case 'tier':
      return `• ${event.status} ${event.services.join(', ')}`;
    case 'container':
      return `  ${event.status === 'healthy' || event.status === 'stopped' ? '✔' : '…'} ${event.name}: ${event.status}`;
  }
}

function renderStackEvent(event: StackEvent): string {
  const what =
    event.action === 'health_status'
      ? `health ${event.health}`
      : event.action === 'die'
        ? `died (exit ${event.exitCode ?? '?'})`
        : 'started';
  return `${event.time}  ${event.name}  ${what}`;
}

/** `up`'s edge flags as the stack variables they stand for (validated with the rest in main/stack/edge-settings). */
function edgeFlags(values: StackOptions): Record<string, string> {
  const tlsAsked = values.tls || values.tlsCert || values.tlsPort || values.tlsRedirect;
  return {
    ...(tlsAsked ? { LLMGW_TLS: '1' } : {}),
    ...(values.tlsPort ? { LLMGW_TLS_PORT: String(values.tlsPort) } : {}),
    ...(values.tlsCert ? { LLMGW_TLS_CERT: path.resolve(values.tlsCert) } : {}),
    ...(values.tlsKey ? { LLMGW_TLS_KEY: path.resolve(values.tlsKey) } : {}),
    ...(values.tlsRedirect ? { LLMGW_TLS_REDIRECT: '1' } : {}),
    ...(values.allowIp ? { LLMGW_ALLOW_IPS: values.allowIp.join(',') } : {}),
    ...(values.monitoring ? { LLMGW_MONITORING: '1' } : {}),
    ...(values.grafana ? { LLMGW_GRAFANA: '1' } : {}),
  };
}

export async function runStack(command: StackCommand, values: StackOptions, service?: string): Promise<void> {
  const json = values.json ?? false;
  const state = { building: false };
  const print = (line: string | null): void => {
    if (line !== null) process.stdout.write(`${line}\n`);
  };
  // Per-service progress (redrawn in place on a terminal, a line per change otherwise) for the commands that wait.
  const progress =
    !json && ['up', 'start', 'stop', 'restart'].includes(command)
      ? new UpProgress({ tty: process.stdout.isTTY === true, write: (text) => process.stdout.write(text) })
      : null;
  const controller = new StackController({
    env: { ...process.env, ...edgeFlags(values) },
    onEvent: (event) => {
      if (json) return print(JSON.stringify(event));
      if (progress?.event(event)) return;
      const line = renderEvent(event, values.verbose ?? false, state);
      if (line !== null) return progress ? progress.line(line) : print(line);
    },
  });
  const result = (status: StackStatus) => {
    progress?.finish();
    print(json ? JSON.stringify({ type: 'result', ...status }) : renderStatus(status));
  };

  try {
    switch (command) {
      case 'up': {
        if (values.replicas !== undefined && !values.swarm)
          throw new CliError('usage', '--replicas needs --swarm (the Compose stack runs 3 gateways).');
        if (!values.swarm) return result(await controller.up());
        const replicas = values.replicas ?? 3;
        if (replicas > 100) throw new CliError('usage', '--replicas needs a whole number from 1 to 100.');
        return result(await controller.upSwarm({ replicas }));
      }
      case 'down':
        await controller.down({ volumes: values.volumes ?? false });
        print(
          json
            ? JSON.stringify({ type: 'result', removed: true, volumes: values.volumes ?? false })
            : values.volumes
              ? 'Stack removed, with its data volumes.'
              : 'Stack removed (data volumes kept; `down --volumes` removes them).',
        );
        return;
      case 'stop':
        return result(await controller.stop());
      case 'start':
        return result(await controller.start());
      case 'restart': {
        if (!service) throw new CliError('usage', 'restart needs a service: nginx, api-gateway, postgres or redis.');
        return result(await controller.restart(service));
      }
      case 'status': {
        // Besides the containers: can the stack reach Ollama, and if not, why and the one fix.
        const read = async () => {
          const status = await controller.status();
          const reach =
            status.ollama && status.state !== 'not-created'
              ? await probeOllamaReach(status.ollama, status.containers)
              : null;
          const text = json
            ? JSON.stringify({ type: 'result', ...status, ...(reach ? { ollamaReach: reach } : {}) })
            : [renderStatus(status), ...(reach ? [reachLine(reach)] : [])].join('\n');
          // A change is a state, health, port or reach change; uptimes tick on every reading.
          const key = JSON.stringify([
            status.state,
            status.containers.map((c) => [c.name, c.state, c.health, c.ports]),
            reach,
          ]);
          return { text, key };
        };
        if (!values.watch) return print((await read()).text);
        const intervalS = values.interval ?? 2;
        if (intervalS < 0.5 || intervalS > 3600)
          throw new CliError('usage', '--interval needs a number of seconds between 0.5 and 3600.');
        const abort = new AbortController();
        process.once('SIGINT', () => abort.abort());
        await watchStatus({
          read,
          intervalS,
          // JSON lines are never redrawn: one line per change, like plain mode.
          tty: process.stdout.isTTY === true && !json,
          write: (text) => process.stdout.write(text),
          signal: abort.signal,
        });
        return;
      }
      case 'logs': {
        if (values.requestId !== undefined) return await printRequestLogs(controller, values, service);
        if (!service) throw new CliError('usage', 'logs needs a service: nginx, api-gateway, postgres or redis.');
        const tail = values.tail ?? 100;
        const abort = new AbortController();
        process.once('SIGINT', () => abort.abort());
        await controller.logs(
          service,
          { follow: values.follow ?? false, tail },
          process.stdout,
          process.stderr,
          abort.signal,
        );
        return;
      }
      case 'events': {
        const subscription = await controller.events((event) =>
          print(json ? JSON.stringify(event) : renderStackEvent(event)),
        );
        process.once('SIGINT', () => subscription.close());
        await subscription.done;
        return;
      }
    }
  } catch (err) {
    if (!(err instanceof StackError)) throw err;
    if (json) process.stdout.write(`${JSON.stringify({ type: 'error', ...err.toJSON() })}\n`);
    const failure = failureOf(err)!;
    process.stderr.write(`${failure.text}\n`);
    process.exitCode = failure.exit;
  }
}

/** `logs --request-id ID [service]`: the request's lines from every container (or one service's), in time order. */
async function printRequestLogs(controller: StackController, values: StackOptions, service?: string): Promise<void> {
  const requestId = values.requestId!;
  // Loaded here, not at the top: the gateway's entry pulls in the whole service, which no other stack command needs.
  const { REQUEST_ID_FORMAT } = await import('../../gateway/src/index.js');
  if (!REQUEST_ID_FORMAT.test(requestId))
    throw new CliError('usage', `'${requestId}' is not a request id (1–128 letters, digits and ._:@/+=-).`, {
      next: 'Copy it from the x-request-id header of the answer, e.g. curl -i.',
    });
  if (values.follow)
    throw new CliError('usage', '--request-id searches what the logs hold; it cannot be combined with --follow.');
  const lines = (await controller.requestLogs(requestId)).filter((l) => !service || l.service === service);
  if (lines.length === 0)
    throw new CliError('not_found', `No log line of ${service ?? 'the stack'} carries request id '${requestId}'.`, {
      next:
        'nginx logs every request, the gateways with ACCESS_LOG=true (the stack default); the logs keep the last ' +
        '50 MB per container and start again when a container is recreated (`up` after a change).',
    });
  const width = Math.max(...lines.map((l) => l.container.length));
  for (const line of lines)
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ type: 'log', time: line.time, container: line.container, service: line.service, entry: JSON.parse(line.line) })}\n`
        : `${line.container.padEnd(width)} | ${line.line}\n`,
    );
}
