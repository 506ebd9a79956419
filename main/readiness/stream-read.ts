// Reads a streamed answer the way the protocol checks need it: SSE (`event:` + `data:` blocks, for the OpenAI
// Responses and Anthropic Messages streams) or NDJSON (one JSON object a line, Ollama's native streams). Collects
// everything — the checks judge order and content afterwards — and never throws on a broken stream: a break is
// reported in `broken` so the check can say so.
import { networkError } from './errors.js';
import { clip } from './http.js';

export interface SseEvent {
  /** The `event:` name, or '' when the block had none. */
  event: string;
  /** The `data:` payload parsed as JSON; undefined when it is not JSON (`raw` keeps it). */
  data: unknown;
  raw: string;
}

export interface StreamRead<T> {
  status: number;
  contentType: string;
  /** Headers of the answer (e.g. retry-after on an error). */
  headers: Headers;
  items: T[];
  /** Lines/events that were not JSON. */
  notJson: string[];
  /** Bytes left after the last separator (an unterminated stream). */
  tail: string;
  /** Why reading stopped early, when it did. */
  broken: string | null;
  firstItemMs: number | null;
  totalMs: number;
}

type Init = { headers: Record<string, string>; body: string; signal: AbortSignal };

async function open(url: string, init: Init): Promise<Response> {
  try {
    return await fetch(url, { method: 'POST', headers: init.headers, body: init.body, signal: init.signal });
  } catch (err) {
    throw networkError(url, err);
  }
}

async function read<T>(
  url: string,
  init: Init,
  separator: RegExp,
  parse: (block: string) => T | null,
  notJson: (block: string) => boolean,
) {
  const started = performance.now();
  const response = await open(url, init);
  const seen: StreamRead<T> = {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    headers: response.headers,
    items: [],
    notJson: [],
    tail: '',
    broken: null,
    firstItemMs: null,
    totalMs: 0,
  };
  const decoder = new TextDecoder();
  let buffer = '';
  const take = (block: string) => {
    if (block.trim() === '') return;
    if (notJson(block)) seen.notJson.push(clip(block, 120));
    const item = parse(block);
    if (item === null) return;
    seen.firstItemMs ??= Math.round(performance.now() - started);
    seen.items.push(item);
  };
  try {
    for await (const bytes of response.body ?? []) {
      buffer += decoder.decode(bytes as Uint8Array, { stream: true });
      let match: RegExpExecArray | null;
      while ((match = separator.exec(buffer)) !== null) {
        take(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    }
  } catch (err) {
    seen.broken = `the stream broke: ${(err as Error).message}`;
  }
  seen.tail = clip(buffer, 120);
  seen.totalMs = Math.round(performance.now() - started);
  return seen;
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sseBlock(block: string): SseEvent | null {
  let event = '';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (!event && data.length === 0) return null; // a comment or keep-alive
  const raw = data.join('\n');
  return { event, data: jsonOrUndefined(raw), raw };
}

/** POSTs and reads an SSE answer into its events. */
export function readSse(url: string, init: Init): Promise<StreamRead<SseEvent>> {
  return read(url, init, /\r?\n\r?\n/, sseBlock, (block) => {
    const parsed = sseBlock(block);
    return parsed !== null && parsed.raw !== '' && parsed.raw !== '[DONE]' && parsed.data === undefined;
  });
}

/** POSTs and reads an NDJSON answer into its objects (lines that are not JSON land in `notJson`). */
export function readNdjson(url: string, init: Init): Promise<StreamRead<Record<string, unknown>>> {
  return read(
    url,
    init,
    /\r?\n/,
    (line) => {
      const value = jsonOrUndefined(line);
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
    },
    (line) => typeof jsonOrUndefined(line) !== 'object',
  );
}
