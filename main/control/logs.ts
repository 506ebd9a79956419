// The last lines of one service's log for the dashboard: in embedded mode the in-process gateway's log file (pino
// JSON lines), in stack mode the service's containers through the stack port. Reads only the file's tail.
import { open } from 'node:fs/promises';
import { ControlError } from './errors.js';
import type { StackPort } from './stack-port.js';
import type { LogTail } from '../../common/protocol/views.js';
export type { LogTail } from '../../common/protocol/views.js';

export const STACK_SERVICES = ['nginx', 'api-gateway', 'postgres', 'redis'];
export const EMBEDDED_SERVICES = ['gateway'];
const TAIL_BYTES = 512 * 1024;

/** The last `count` complete lines of a file; [] when it does not exist yet. */
export async function tailFile(file: string, count: number): Promise<string[]> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.toString('utf8').split('\n');
    if (start > 0) lines.shift(); // a partial first line
    return lines.filter((l) => l !== '').slice(-count);
  } finally {
    await handle.close();
  }
}

export async function logTail(
  mode: 'stack' | 'embedded',
  input: { service: string; lines?: number | undefined },
  sources: { logFile: string; stack: StackPort | null },
): Promise<LogTail> {
  const count = input.lines ?? 200;
  if (mode === 'embedded') {
    if (!EMBEDDED_SERVICES.includes(input.service)) {
      throw new ControlError(
        'invalid_input',
        `logs.tail: embedded mode has one service, 'gateway' (not '${input.service}').`,
        { field: 'service' },
      );
    }
    return { service: input.service, lines: await tailFile(sources.logFile, count), services: EMBEDDED_SERVICES };
  }
  if (!sources.stack?.logs) throw new ControlError('wrong_mode', 'Stack logs are not available here.');
  return { service: input.service, lines: await sources.stack.logs(input.service, count), services: STACK_SERVICES };
}
