// Host ports the stack publishes, checked before anything is created so a taken port is named up front
// instead of surfacing as a half-created stack and a cryptic compose error.
import net from 'node:net';
import { StackError } from './errors.js';
import type { StackValues } from './env-file.js';

export interface HostPort {
  service: string;
  host: string;
  port: number;
  /** The setting that moves it. */
  setting: string;
}

export function stackPorts(values: StackValues): HostPort[] {
  const num = (value: string | undefined, fallback: number) => {
    const parsed = Number(value);
    return Number.isInteger(parsed) && parsed > 0 && parsed < 65536 ? parsed : fallback;
  };
  const tls: HostPort[] =
    values.LLMGW_TLS === '1'
      ? [
          {
            service: 'nginx',
            host: values.LLMGW_BIND || '127.0.0.1',
            port: num(values.LLMGW_TLS_PORT, 3443),
            setting: 'LLMGW_TLS_PORT',
          },
        ]
      : [];
  const on = (flag: string | undefined) => flag === '1' || flag === 'true';
  const monitoring: HostPort[] = [
    ...(on(values.LLMGW_MONITORING) || on(values.LLMGW_GRAFANA)
      ? [
          {
            service: 'prometheus',
            host: '127.0.0.1',
            port: num(values.PROMETHEUS_PORT, 19090),
            setting: 'PROMETHEUS_PORT',
          },
        ]
      : []),
    ...(on(values.LLMGW_GRAFANA)
      ? [{ service: 'grafana', host: '127.0.0.1', port: num(values.GRAFANA_PORT, 13001), setting: 'GRAFANA_PORT' }]
      : []),
  ];
  return [
    ...tls,
    ...monitoring,
    {
      service: 'nginx',
      host: values.LLMGW_BIND || '127.0.0.1',
      port: num(values.LLMGW_PORT, 3000),
      setting: 'LLMGW_PORT',
    },
    {
      service: 'postgres',
      host: values.LLMGW_DB_BIND || '127.0.0.1',
      port: num(values.POSTGRES_PORT, 15432),
      setting: 'POSTGRES_PORT',
    },
    {
      service: 'redis',
      host: values.LLMGW_REDIS_BIND || '127.0.0.1',
      port: num(values.REDIS_PORT, 16379),
      setting: 'REDIS_PORT',
    },
  ];
}

/** True when nothing listens on host:port (we could bind it exclusively ourselves). */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      // EADDRINUSE / EACCES: someone holds it (or it is privileged). Other errors (no such address) are
      // left for compose to report, since we cannot tell.
      resolve(!(err.code === 'EADDRINUSE' || err.code === 'EACCES'));
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Throws port_in_use for the first taken port that our own stack does not already publish
 * (an `up` over a running stack is idempotent: its own ports are expected to be busy).
 */
export async function assertPortsFree(
  ports: HostPort[],
  publishedByStack: ReadonlySet<number>,
  probe: (host: string, port: number) => Promise<boolean> = isPortFree,
): Promise<void> {
  for (const entry of ports) {
    if (publishedByStack.has(entry.port)) continue;
    if (!(await probe(entry.host, entry.port))) {
      throw new StackError(
        'port_in_use',
        `Port ${entry.port} on ${entry.host} (needed by ${entry.service}) is already in use by another program.`,
        { port: entry.port, host: entry.host, service: entry.service, setting: entry.setting },
      );
    }
  }
}
