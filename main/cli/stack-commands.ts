// `llm-gateway up|down|stop|start|restart|status|logs|events`: the Compose stack from the command line, on top of
// the stack controller. Human-readable progress on a terminal; JSON lines (one event per line) with --json.
import { parseArgs } from 'node:util';
import { StackController, type ControllerEvent, type StackStatus } from '../stack/controller.js';
import { StackError } from '../stack/errors.js';
import type { StackEvent } from '../stack/events.js';
import { probeOllamaReach, reachLine } from '../control/health/ollama-reach.js';
import { CliError } from './errors.js';
import { failureOf } from './exit.js';

export const STACK_COMMANDS = ['up', 'down', 'stop', 'start', 'restart', 'status', 'logs', 'events'] as const;
export type StackCommand = (typeof STACK_COMMANDS)[number];

export const STACK_HELP = `  up [--json] [--verbose] Create/update the Docker stack (nginx :3000, 3 gateways, Postgres, Redis) and wait until healthy
  up --swarm [--replicas N]
                          Deploy/update the same stack on Docker Swarm (N gateways, default 3; a new GATEWAY_IMAGE
                          tag rolls the gateways one by one); down, status and logs follow it
  down [--volumes]        Remove the stack's containers (data volumes are kept unless --volumes)
  stop | start            Stop / start the stack in dependency order (start creates it when missing) [--json]
  restart <service>       Restart one service's containers, one replica at a time [--json]
  status [--json]         Containers with state, health, ports, uptime and replica number
  logs <service> [-f]     A service's logs (all replicas) [--tail N]
  events [--json]         Follow the stack's start / die / health events`;

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

export async function runStack(command: StackCommand, argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', short: 'v', default: false },
        volumes: { type: 'boolean', default: false },
        follow: { type: 'boolean', short: 'f', default: false },
        tail: { type: 'string' },
        swarm: { type: 'boolean', default: false },
        replicas: { type: 'string' },
      },
    });
  } catch (err) {
    throw new CliError('usage', (err as Error).message);
  }
  const { values, positionals } = parsed;
  const json = values.json ?? false;
  const state = { building: false };
  const print = (line: string | null): void => {
    if (line !== null) process.stdout.write(`${line}\n`);
  };
  const controller = new StackController({
    onEvent: (event) => print(json ? JSON.stringify(event) : renderEvent(event, values.verbose ?? false, state)),
  });
  const result = (status: StackStatus) =>
    print(json ? JSON.stringify({ type: 'result', ...status }) : renderStatus(status));

  try {
    switch (command) {
      case 'up': {
        if (values.replicas !== undefined && !values.swarm)
          throw new CliError('usage', '--replicas needs --swarm (the Compose stack runs 3 gateways).');
        if (!values.swarm) return result(await controller.up());
        const replicas = values.replicas === undefined ? 3 : Number(values.replicas);
        if (!Number.isInteger(replicas) || replicas < 1 || replicas > 100)
          throw new CliError('usage', '--replicas needs a whole number from 1 to 100.');
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
        const service = positionals[0];
        if (!service) throw new CliError('usage', 'restart needs a service: nginx, api-gateway, postgres or redis.');
        return result(await controller.restart(service));
      }
      case 'status': {
        // Besides the containers: can the stack reach Ollama, and if not, why and the one fix.
        const status = await controller.status();
        const reach =
          status.ollama && status.state !== 'not-created'
            ? await probeOllamaReach(status.ollama, status.containers)
            : null;
        if (json) return print(JSON.stringify({ type: 'result', ...status, ...(reach ? { ollamaReach: reach } : {}) }));
        print(renderStatus(status));
        if (reach) print(reachLine(reach));
        return;
      }
      case 'logs': {
        const service = positionals[0];
        if (!service) throw new CliError('usage', 'logs needs a service: nginx, api-gateway, postgres or redis.');
        const tail = values.tail === undefined ? 100 : Number(values.tail);
        if (!Number.isInteger(tail) || tail < 0) throw new CliError('usage', '--tail needs a whole number of lines.');
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
