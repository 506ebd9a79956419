// Container logs of one service (all its replicas), tail and follow, with stdout/stderr demultiplexed and each
// line prefixed by the container name when there are several replicas.
import { PassThrough, type Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerStatus } from './containers.js';

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
}

/** Prefixes every complete line written through it; used per replica. */
export function linePrefixer(prefix: string, out: Writable): PassThrough {
  const through = new PassThrough();
  let rest = '';
  through.setEncoding('utf8');
  through.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) out.write(`${prefix}${line}\n`);
  });
  through.on('end', () => rest && out.write(`${prefix}${rest}\n`));
  return through;
}

export async function streamLogs(
  docker: Docker,
  containers: ContainerStatus[],
  options: LogOptions,
  out: Writable,
  err: Writable = out,
  signal?: AbortSignal,
): Promise<void> {
  const width = Math.max(...containers.map((c) => c.name.length));
  await Promise.all(
    containers.map(async (container) => {
      const prefix = containers.length > 1 ? `${container.name.padEnd(width)} | ` : '';
      const stdout = linePrefixer(prefix, out);
      const stderr = linePrefixer(prefix, err);
      const handle = docker.getContainer(container.id);
      const common = { stdout: true, stderr: true, timestamps: options.timestamps ?? false, tail: options.tail ?? 100 };
      const finished = (stream: NodeJS.ReadableStream) =>
        new Promise<void>((resolve) => {
          stream.once('end', resolve);
          stream.once('close', resolve);
          stream.once('error', () => resolve());
        });
      if (options.follow) {
        const stream = await handle.logs({ ...common, follow: true });
        signal?.addEventListener('abort', () => (stream as unknown as { destroy(): void }).destroy(), { once: true });
        docker.modem.demuxStream(stream, stdout, stderr);
        await finished(stream);
      } else {
        const buffer = (await handle.logs({ ...common, follow: false })) as unknown as Buffer;
        const source = new PassThrough();
        docker.modem.demuxStream(source, stdout, stderr);
        source.end(buffer);
        await finished(source);
      }
      stdout.end();
      stderr.end();
    }),
  );
}
