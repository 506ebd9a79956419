// One stream of Engine events for the stack: only the project's containers, only start / die / health_status,
// so the app updates status without polling and healthcheck exec noise (exec_create/exec_start...) stays out.
import type Docker from 'dockerode';
import { NUMBER_LABEL, PROJECT_LABEL, SERVICE_LABEL, type Health } from './containers.js';
import { PROJECT } from './paths.js';

export type StackEventAction = 'start' | 'die' | 'health_status';

export interface StackEvent {
  action: StackEventAction;
  /** For health_status: healthy | unhealthy | starting. */
  health?: Health;
  /** For die: the exit code. */
  exitCode?: number;
  id: string;
  name: string;
  service: string;
  replica: number;
  time: string;
}

/** The Engine's event JSON (the fields we read). */
export interface RawEngineEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  timeNano?: number;
  time?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export const EVENT_FILTERS = (project = PROJECT) => ({
  type: ['container' as const],
  label: [`${PROJECT_LABEL}=${project}`],
  event: ['start', 'die', 'health_status'],
});

/** Maps an Engine event to a StackEvent, or null when it is not one we report (filters again client-side). */
export function toStackEvent(raw: RawEngineEvent, project = PROJECT): StackEvent | null {
  if ((raw.Type ?? 'container') !== 'container') return null;
  const attributes = raw.Actor?.Attributes ?? {};
  if (attributes[PROJECT_LABEL] !== project) return null;
  const action = raw.Action ?? raw.status ?? '';
  const [verb, rest] = action.split(':', 2).map((part) => part.trim());
  if (verb !== 'start' && verb !== 'die' && verb !== 'health_status') return null;
  const time = raw.timeNano
    ? new Date(Math.floor(raw.timeNano / 1e6)).toISOString()
    : new Date((raw.time ?? 0) * 1000).toISOString();
  return {
    action: verb,
    ...(verb === 'health_status' ? { health: (rest || 'none') as Health } : {}),
    ...(verb === 'die' && attributes.exitCode !== undefined ? { exitCode: Number(attributes.exitCode) } : {}),
    id: (raw.Actor?.ID ?? raw.id ?? '').slice(0, 12),
    name: attributes.name ?? '',
    service: attributes[SERVICE_LABEL] ?? '?',
    replica: Number(attributes[NUMBER_LABEL] ?? 1),
    time,
  };
}

/** Splits a byte stream of newline-delimited JSON into objects, across chunk boundaries. */
export class NdjsonSplitter {
  private rest = '';

  push(chunk: string): unknown[] {
    const lines = (this.rest + chunk).split('\n');
    this.rest = lines.pop() ?? '';
    const out: unknown[] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        // A malformed line is skipped; the stream goes on.
      }
    }
    return out;
  }
}

export interface EventSubscription {
  close(): void;
  /** Resolves when the stream ends (engine stopped, or close()). */
  done: Promise<void>;
}

export async function watchEvents(
  docker: Docker,
  onEvent: (event: StackEvent) => void,
  project = PROJECT,
): Promise<EventSubscription> {
  const stream = (await docker.getEvents({ filters: EVENT_FILTERS(project) })) as unknown as NodeJS.ReadableStream & {
    destroy(): void;
  };
  const splitter = new NdjsonSplitter();
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    for (const raw of splitter.push(chunk)) {
      const event = toStackEvent(raw as RawEngineEvent, project);
      if (event) onEvent(event);
    }
  });
  const done = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  return { close: () => stream.destroy(), done };
}
