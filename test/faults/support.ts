// Helpers for the fault and abuse suite (test/faults): waiting for the one shared stack slot, streaming calls
// through nginx, raw sockets for hostile HTTP, usage rows in Postgres, replica metrics, and the summary table.
// Everything talks to 127.0.0.1 (nginx :3000, Postgres :15432) or to our own containers through `docker`.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import { BASE, sleep } from '../e2e/support.js';

export {
  BASE,
  bridgeGatewayIp,
  header,
  load,
  request,
  sleep,
  stockOllamaEnv,
  waitFor,
  type RawResponse,
} from '../e2e/support.js';

const run = promisify(execFile);

export const PROJECT = 'llm-gateway';

/** Asynchronous `docker …` (the test upstream answers from this very process, so nothing may block it). */
export async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('docker', args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Only one compose stack fits on a machine (fixed names and ports): wait for the slot, up to `timeoutMs`. */
export async function waitForNoStack(timeoutMs = 15 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids = (await docker(['ps', '-a', '--filter', `label=com.docker.compose.project=${PROJECT}`, '-q'])).trim();
    if (ids === '') return;
    if (Date.now() > deadline) {
      throw new Error(
        `faults: an '${PROJECT}' stack (containers ${ids.split('\n').join(', ')}) has existed for ${Math.round(timeoutMs / 60_000)} minutes; ` +
          'someone else (CI?) is using the stack slot. The suite never touches another stack: retry later or remove it yourself.',
      );
    }
    await sleep(5000);
  }
}

export interface CallResult {
  status: number;
  instance: string | undefined;
  started: number;
  ended: number;
  stream: boolean;
  /** Usage as the client saw it (the upstream's numbers relayed): non-stream body `usage`, or the stream's usage chunk. */
  promptTokens: number;
  completionTokens: number;
  /** Stream ended with data: [DONE] and no error event. */
  complete: boolean;
  /** A terminal `data: {"error":…}` event, if any. */
  errorEvent: { code?: string; type?: string; message?: string } | undefined;
  aborted: boolean;
  body: string;
  retryAfter: string | undefined;
  headers: http.IncomingHttpHeaders;
}

export interface CallOptions {
  key: string;
  model: string;
  stream?: boolean;
  maxTokens?: number;
  /** Destroy the connection after this many body chunks arrived (a client that leaves mid-stream). */
  abortAfterChunks?: number;
  onHeaders?: (res: http.IncomingMessage) => void;
  content?: string;
  timeoutMs?: number;
  path?: string;
}

/** One chat completion through nginx on a fresh connection; never throws for HTTP-level outcomes. */
export function chat(options: CallOptions): Promise<CallResult> {
  const started = Date.now();
  const stream = options.stream === true;
  const body = JSON.stringify({
    model: options.model,
    messages: [{ role: 'user', content: options.content ?? 'hello there' }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
  });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${BASE}${options.path ?? '/v1/chat/completions'}`,
      {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
        timeout: options.timeoutMs ?? 30_000,
      },
      (res) => {
        options.onHeaders?.(res);
        const chunks: Buffer[] = [];
        let aborted = false;
        const finish = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const result: CallResult = {
            status: res.statusCode ?? 0,
            instance: res.headers['x-instance'] as string | undefined,
            started,
            ended: Date.now(),
            stream,
            promptTokens: 0,
            completionTokens: 0,
            complete: false,
            errorEvent: undefined,
            aborted,
            body: text,
            retryAfter: res.headers['retry-after'] as string | undefined,
            headers: res.headers,
          };
          if (stream && result.status === 200) {
            for (const event of text.split('\n\n')) {
              const data = event.trim();
              if (!data.startsWith('data:')) continue;
              const payload = data.slice(5).trim();
              if (payload === '[DONE]') {
                result.complete = result.errorEvent === undefined;
                continue;
              }
              try {
                const parsed = JSON.parse(payload) as {
                  usage?: { prompt_tokens?: number; completion_tokens?: number };
                  error?: CallResult['errorEvent'];
                };
                if (parsed.error) result.errorEvent = parsed.error;
                if (parsed.usage) {
                  result.promptTokens = parsed.usage.prompt_tokens ?? 0;
                  result.completionTokens = parsed.usage.completion_tokens ?? 0;
                }
              } catch {
                // a cut-off last event
              }
            }
          } else if (result.status === 200) {
            try {
              const parsed = JSON.parse(text) as { usage?: { prompt_tokens?: number; completion_tokens?: number } };
              result.promptTokens = parsed.usage?.prompt_tokens ?? 0;
              result.completionTokens = parsed.usage?.completion_tokens ?? 0;
              result.complete = true;
            } catch {
              result.complete = false;
            }
          }
          resolve(result);
        };
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          if (options.abortAfterChunks !== undefined && chunks.length >= options.abortAfterChunks && !aborted) {
            aborted = true;
            req.destroy();
            finish();
          }
        });
        res.on('end', () => {
          if (!aborted) finish();
        });
        res.on('error', (err) => {
          if (!aborted) reject(err);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (err) => reject(err));
    req.end(body);
  });
}

export interface RawExchange {
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends bytes over a fresh TCP connection to nginx and reads until the server closes (or `timeoutMs`).
 * `parts` are written with `gapMs` between them (slow-loris style); `end: false` leaves the request unfinished.
 */
export function rawHttp(parts: Buffer[], options: { gapMs?: number; timeoutMs?: number } = {}): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect(3000, '127.0.0.1');
    const received: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({
        status: statusLine ? Number(statusLine[1]) : 0,
        headers: head === -1 ? text : text.slice(0, head),
        body: head === -1 ? '' : Buffer.from(text.slice(head + 4), 'latin1').toString('utf8'),
      });
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 15_000);
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('connect', () => {
      void (async () => {
        for (const part of parts) {
          if (done) return;
          socket.write(part);
          if (options.gapMs) await sleep(options.gapMs);
        }
      })();
    });
  });
}

/** De-chunks a `Transfer-Encoding: chunked` body (nginx relays the gateway's answers chunked or with a length). */
export function dechunk(headers: string, body: string): string {
  if (!/transfer-encoding:\s*chunked/i.test(headers)) return body;
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    if (eol === -1) return out;
    const size = parseInt(rest.slice(0, eol), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

export interface DbCredentials {
  POSTGRES_USER?: string;
  POSTGRES_PASSWORD?: string;
  POSTGRES_DB?: string;
}

export interface UsageSummary {
  rows: number;
  ok: number;
  error: number;
  aborted: number;
  promptTokens: number;
  completionTokens: number;
  byReplica: Map<string, number>;
  distinctRequestIds: number;
}

export async function usageFor(values: DbCredentials, keyId: string): Promise<UsageSummary> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: 15432,
    user: values.POSTGRES_USER,
    password: values.POSTGRES_PASSWORD,
    database: values.POSTGRES_DB,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    const rows = (
      await client.query(
        `SELECT outcome, replica, count(*)::int AS n, coalesce(sum(prompt_tokens),0)::int AS p, coalesce(sum(completion_tokens),0)::int AS c,
              count(DISTINCT request_id)::int AS d
         FROM usage WHERE key_id = $1 GROUP BY outcome, replica`,
        [keyId],
      )
    ).rows as Array<{
      outcome: 'ok' | 'error' | 'aborted';
      replica: string;
      n: number;
      p: number;
      c: number;
      d: number;
    }>;
    const summary: UsageSummary = {
      rows: 0,
      ok: 0,
      error: 0,
      aborted: 0,
      promptTokens: 0,
      completionTokens: 0,
      byReplica: new Map(),
      distinctRequestIds: 0,
    };
    for (const row of rows) {
      summary.rows += row.n;
      summary[row.outcome] += row.n;
      summary.promptTokens += row.p;
      summary.completionTokens += row.c;
      summary.distinctRequestIds += row.d;
      summary.byReplica.set(row.replica, (summary.byReplica.get(row.replica) ?? 0) + row.n);
    }
    return summary;
  } finally {
    await client.end();
  }
}

/** Prometheus text of one replica (its METRICS_PORT is only on the stack network: fetched from inside). */
export async function replicaMetrics(containerId: string): Promise<string> {
  return docker([
    'exec',
    containerId,
    'node',
    '-e',
    "fetch('http://127.0.0.1:9464/metrics').then(r=>r.text()).then(t=>process.stdout.write(t)).catch(e=>{console.error(e);process.exit(1)})",
  ]);
}

/** Sum of a metric's samples (all label sets) in a Prometheus text. */
export function metricValue(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.eE+-]+)$`).exec(line);
    if (match) total += Number(match[2]);
  }
  return total;
}

export interface ScenarioRow {
  scenario: string;
  requests: number;
  failures: number;
  lostRows: number;
  doubledRows: number;
  tokensClient: number | null;
  tokensDb: number | null;
  verdict: 'pass' | 'fail';
  notes: string;
}

export class Report {
  readonly rows: ScenarioRow[] = [];
  private readonly started = Date.now();

  add(row: Omit<ScenarioRow, 'verdict'> & { verdict?: 'pass' | 'fail' }): void {
    this.rows.push({ verdict: 'pass', ...row });
  }

  /** Marks the last row of a scenario failed (called when its assertions throw). */
  fail(scenario: string, error: unknown): void {
    const existing = this.rows.find((r) => r.scenario === scenario);
    const note = String((error as Error)?.message ?? error)
      .split('\n')[0]!
      .slice(0, 200);
    if (existing) {
      existing.verdict = 'fail';
      existing.notes = `${existing.notes} | ${note}`;
    } else {
      this.rows.push({
        scenario,
        requests: 0,
        failures: 0,
        lostRows: 0,
        doubledRows: 0,
        tokensClient: null,
        tokensDb: null,
        verdict: 'fail',
        notes: note,
      });
    }
  }

  print(file: string): void {
    const cols: Array<keyof ScenarioRow> = [
      'scenario',
      'requests',
      'failures',
      'lostRows',
      'doubledRows',
      'tokensClient',
      'tokensDb',
      'verdict',
      'notes',
    ];
    const cell = (row: ScenarioRow, c: keyof ScenarioRow) => String(row[c] ?? '-');
    const widths = cols.map((c) =>
      Math.min(c === 'notes' ? 90 : 40, Math.max(c.length, ...this.rows.map((r) => cell(r, c).length))),
    );
    const line = (values: string[]) => values.map((v, i) => v.slice(0, widths[i]).padEnd(widths[i]!)).join(' | ');
    const text = [
      line(cols as string[]),
      widths.map((w) => '-'.repeat(w)).join('-|-'),
      ...this.rows.map((r) => line(cols.map((c) => cell(r, c)))),
    ].join('\n');
    console.log(`\nfaults summary (${Math.round((Date.now() - this.started) / 1000)} s)\n${text}\n`);
    writeFileSync(
      file,
      `${JSON.stringify({ finishedAt: new Date().toISOString(), durationS: Math.round((Date.now() - this.started) / 1000), scenarios: this.rows }, null, 2)}\n`,
    );
    console.log(`faults: summary written to ${file}`);
  }
}
