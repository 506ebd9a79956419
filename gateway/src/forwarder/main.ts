// Entry point of the `ollama-forwarder` stack service (Linux only, network_mode: host): reads where to listen and
// where to forward from the environment, logs one JSON line per event, and closes on SIGTERM/SIGINT.
//   FORWARD_LISTEN  host:port to bind (default: docker0's IPv4 address, port 11434) — never a wildcard address
//   FORWARD_TARGET  host:port to relay to (default 127.0.0.1:11434, the host's stock Ollama)
//   FORWARD_STATE_FILE  where the current state is written for the container healthcheck (default /tmp/…)
import { writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { z } from 'zod';
import { createLogger } from '../logger.js';
import { startForwarder, type Endpoint } from './forwarder.js';

const hostPort = z.preprocess(
  (value) => (value === '' ? undefined : value), // compose passes unset variables as ''
  z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'host:port')
    .transform((value): Endpoint => {
      const at = value.lastIndexOf(':');
      return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
    })
    .refine((e) => e.port > 0 && e.port < 65536, 'port 1-65535')
    .optional(),
);

const Env = z.object({
  FORWARD_LISTEN: hostPort,
  FORWARD_TARGET: hostPort,
  FORWARD_RETRY_MS: z.coerce.number().int().min(100).default(30_000),
  FORWARD_STATE_FILE: z.string().min(1).default('/tmp/ollama-forwarder.state'),
  LOG_LEVEL: z.string().default('info'),
});

/** docker0's IPv4 address: what host.docker.internal (host-gateway) resolves to with Docker's default settings. */
function dockerBridgeAddress(): string | null {
  return networkInterfaces().docker0?.find((a) => a.family === 'IPv4')?.address ?? null;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

async function main(): Promise<void> {
  const parsed = Env.safeParse(process.env);
  // At most 'info': its lines are few (start, step aside, refused connections) and say where Ollama is reached,
  // so a stack-wide LOG_LEVEL=warn does not hide them.
  const level = parsed.success && ['trace', 'debug'].includes(parsed.data.LOG_LEVEL) ? parsed.data.LOG_LEVEL : 'info';
  const log = createLogger(level, 'ollama-forwarder');
  if (!parsed.success) {
    log.fatal(
      { issues: parsed.error.issues },
      'invalid forwarder settings: FORWARD_LISTEN / FORWARD_TARGET must be host:port',
    );
    process.exit(2);
  }
  const env = parsed.data;
  const bridge = dockerBridgeAddress();
  const listen = env.FORWARD_LISTEN ?? (bridge ? { host: bridge, port: 11434 } : null);
  if (!listen) {
    log.fatal('no docker0 address on this host: set FORWARD_LISTEN to the address host.docker.internal resolves to');
    process.exit(2);
  }
  if (WILDCARDS.has(listen.host)) {
    // Binding every interface would publish Ollama to the network, which is exactly what this service avoids.
    log.fatal({ listen: listen.host }, 'refusing a wildcard listen address: FORWARD_LISTEN must be the bridge address');
    process.exit(2);
  }
  const record = (next: string, detail: string) => {
    // One line: state, then why; forwarder-healthcheck.mjs reads it (and docker inspect shows its output).
    writeFileSync(env.FORWARD_STATE_FILE, `${next} ${detail}\n`);
  };
  const forwarder = await startForwarder({
    listen,
    target: env.FORWARD_TARGET ?? { host: '127.0.0.1', port: 11434 },
    retryMs: env.FORWARD_RETRY_MS,
    holdProcess: true,
    log: (event) => {
      if (event.event === 'listening') record('listening', `${event.listen} -> ${event.target}`);
      else if (event.event === 'waiting') record('waiting', `for Ollama at ${event.target}: ${event.reason}`);
      else if (event.event === 'stepped-aside') record('stepped-aside', event.reason);
      else if (event.event === 'unavailable') record('unavailable', event.reason);
      if (event.event === 'listening')
        log.info(event, `forwarding ${event.listen} -> ${event.target} (Ollama on the host's loopback)`);
      else if (event.event === 'waiting')
        log.warn(
          event,
          `Ollama does not accept connections at ${event.target} (${event.reason}): not listening on ${event.listen} until it does`,
        );
      else if (event.event === 'stepped-aside') log.warn(event, `stepping aside: ${event.reason}`);
      else if (event.event === 'unavailable') log.error(event, `cannot listen: ${event.reason}`);
      else if (event.event === 'upstream-refused')
        log.warn(event, `Ollama did not accept the connection at ${event.target} (${event.reason}): is it running?`);
      else if (event.event === 'connection-error') log.debug(event, 'connection error');
      else log.info(event, 'forwarder closed');
    },
  });
  const stop = () => void forwarder.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
