// Non-streaming load with wrk (C, epoll: not the bottleneck) and a Lua script that POSTs a chat body and
// prints its summary as JSON.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkResult {
  requests: number;
  seconds: number;
  errors: number;
  non2xx: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function script(body: string, key: string | null): string {
  return `wrk.method = "POST"
wrk.body = ${JSON.stringify(body)}
wrk.headers["Content-Type"] = "application/json"
${key ? `wrk.headers["Authorization"] = "Bearer ${key}"` : ''}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;
}

export async function wrk(options: {
  url: string;
  body: string;
  key: string | null;
  connections: number;
  seconds: number;
  core: number;
}): Promise<WrkResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-bench-'));
  const lua = path.join(dir, 'post.lua');
  writeFileSync(lua, script(options.body, options.key));
  const { stdout } = await run('taskset', [
    '-c',
    String(options.core),
    'wrk',
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    lua,
    options.url,
  ]);
  const line = stdout.split('\n').find((l) => l.startsWith('BENCHJSON '));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const raw = JSON.parse(line.slice('BENCHJSON '.length)) as Record<string, number>;
  const seconds = raw.duration_us! / 1e6;
  return {
    requests: raw.requests!,
    seconds,
    errors: raw.errors!,
    non2xx: raw.non2xx!,
    rps: raw.requests! / seconds,
    p50Ms: raw.p50! / 1000,
    p99Ms: raw.p99! / 1000,
    maxMs: raw.max! / 1000,
  };
}
