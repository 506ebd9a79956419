// One request followed through the stack's logs: nginx's JSON access line and the replica's (ACCESS_LOG) and error
// lines all carry the same `requestId` (nginx's X-Request-Id, or the client's own). Reads what every container's
// log still holds (json-file, rotated at 5 × 10 MB), keeps the JSON lines whose requestId is the one asked for, and
// orders them by Docker's timestamps across containers.
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerStatus } from './containers.js';

export interface RequestLogLine {
  /** Docker's RFC 3339 timestamp of the line (nanoseconds). */
  time: string;
  container: string;
  service: string;
  /** The log line as the service wrote it (one JSON object). */
  line: string;
}

/** Whether the line is a JSON object whose requestId is `requestId`. */
export function matchesRequest(line: string, requestId: string): boolean {
  if (!line.startsWith('{') || !line.includes(requestId)) return false; // cheap filter before parsing
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && (parsed as { requestId?: unknown }).requestId === requestId;
  } catch {
    return false;
  }
}

/** A sortable key for Docker's timestamps, whose fraction has its trailing zeros trimmed (RFC3339Nano). */
export function timeKey(time: string): string {
  const match = /^(.+?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!match) return time;
  const ms = Date.parse(`${match[1]}${match[3]}`);
  return `${String(ms).padStart(15, '0')}${(match[2] ?? '').padEnd(9, '0')}`;
}

/** Splits one container's demultiplexed log text (with timestamps) into the lines of `requestId`. */
export function requestLinesOf(text: string, container: ContainerStatus, requestId: string): RequestLogLine[] {
  const found: RequestLogLine[] = [];
  for (const raw of text.split('\n')) {
    const space = raw.indexOf(' ');
    if (space === -1) continue;
    const line = raw.slice(space + 1).trimEnd();
    if (matchesRequest(line, requestId))
      found.push({ time: raw.slice(0, space), container: container.name, service: container.service, line });
  }
  return found;
}

async function logText(docker: Docker, container: ContainerStatus): Promise<string> {
  const buffer = (await docker
    .getContainer(container.id)
    // No `tail`: the Engine then returns every line the log still holds.
    .logs({ stdout: true, stderr: true, timestamps: true, follow: false })) as unknown as Buffer;
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve) => out.once('finish', resolve));
  const source = new PassThrough();
  source.once('end', () => out.end());
  docker.modem.demuxStream(source, out, out);
  source.end(buffer);
  await done;
  return Buffer.concat(chunks).toString('utf8');
}

export async function findRequestLogs(
  docker: Docker,
  containers: ContainerStatus[],
  requestId: string,
): Promise<RequestLogLine[]> {
  const perContainer = await Promise.all(
    containers.map(async (container) => requestLinesOf(await logText(docker, container), container, requestId)),
  );
  // Each line's sort key computed once, not in every comparison.
  return perContainer
    .flat()
    .map((line) => ({ line, key: timeKey(line.time) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ line }) => line);
}
