// `npm run bench`: direct / floor / embedded / pg+redis (/ stack) side by side in one run, pinned to cores,
// medians of repetitions with their spread, ratios against the floor proxy. Workloads: chat completions at c=1/32/128,
// OpenAI SSE streams (burst and paced), Anthropic Messages streams and Ollama NDJSON streams. Writes
// bench/results/*.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { pathToFileURL } from 'node:url';
import {
  cpuSeconds,
  freePort,
  loopDelay,
  loopProbeEnv,
  rssMb,
  startPinned,
  stop,
  waitForPort,
  type LoopDelay,
  type Proc,
} from './processes.js';
import { wrk } from './wrk.js';
import { streamLoad } from './streams.js';
import { printReport, type TargetResult } from './report.js';
import { checkStack, closeStack, stackNotes, stackSut } from './stack.js';

const SUT_CORE = 0;
const LOAD_CORE = 1;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const NODE = process.execPath;
const DB_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN = randomBytes(24).toString('hex');
const MODEL = 'llama3.2:1b';
const CHAT = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say ok.' }], max_tokens: 16 });
const STREAM = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'Say ok.' }],
  max_tokens: 32,
  stream: true,
});
/**
 * The other protocols' streams, as their clients send them: Anthropic Messages (Claude Code: x-api-key, SSE with
 * named events ending in message_stop) and Ollama's native chat (NDJSON by default, ending with done:true).
 */
const PROTOCOL_STREAMS = {
  anthropic: {
    path: '/v1/messages',
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 32,
      stream: true,
      messages: [{ role: 'user', content: 'Say ok.' }],
    }),
    auth: 'x-api-key' as const,
    headers: { 'anthropic-version': '2023-06-01' },
    complete: (text: string) => text.includes('event: message_stop'),
  },
  ndjson: {
    path: '/api/chat',
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'Say ok.' }],
      options: { num_predict: 32 },
    }),
    auth: 'bearer' as const,
    headers: {},
    complete: (text: string) => /"done":\s*true/.test(text),
  },
};

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    seconds: { type: 'string' },
    targets: { type: 'string' },
  },
});
const QUICK = args.quick;
const REPS = Number(args.reps ?? (QUICK ? 1 : 3));
const SECONDS = Number(args.seconds ?? (QUICK ? 1 : 4));
const TARGETS = (args.targets ?? 'direct,floor,embedded,pg+redis').split(',');

/** `express`: the embedded gateway with FAST_LANE=false (every request through the Express app), for the A/B. */
type Kind = 'direct' | 'floor' | 'embedded' | 'express' | 'pg+redis' | 'stack';

interface Sut {
  url: string;
  pid: number;
  key: string | null;
  close: () => Promise<void>;
  /** Set by targets that are not one process (stack): CPU seconds and RSS of the whole system under test. */
  cpuSeconds?: () => Promise<number>;
  rss?: () => Promise<{ total: number; anon: number }>;
  /** Reads and resets the process's event-loop-delay histogram (bench/loop-probe.ts); absent: not measured. */
  loop?: () => Promise<LoopDelay | null>;
}

const LOOP_PROBE = pathToFileURL(path.join(ROOT, 'dist/bench/loop-probe.js')).href;

/** A fresh probe file per process, and the Sut's reader for it. */
function probeFor(name: string): {
  env: Record<string, string>;
  attach: (pid: number) => () => Promise<LoopDelay | null>;
} {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'llmgw-loop-')), `${name}.json`);
  return { env: loopProbeEnv(LOOP_PROBE, file), attach: (pid) => () => loopDelay(pid, file) };
}

async function startUpstream(chunks: number, delayMs: number): Promise<{ url: string; proc: Proc }> {
  const port = await freePort();
  const proc = startPinned(
    'upstream',
    LOAD_CORE,
    [NODE, path.join(ROOT, 'dist/test/fixtures/ollama-upstream/cli.js')],
    {
      PORT: String(port),
      FAST: '1',
      CHUNKS: String(chunks),
      CHUNK_DELAY_MS: String(delayMs),
    },
  );
  await waitForPort(port, proc);
  return { url: `http://127.0.0.1:${port}`, proc };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

async function startSut(kind: Kind, upstreamUrl: string, upstreamPid: number): Promise<Sut> {
  if (kind === 'direct') return { url: upstreamUrl, pid: upstreamPid, key: null, close: async () => {} };
  if (kind === 'stack') return stackSut(upstreamPid);
  const port = await freePort();
  if (kind === 'floor') {
    const probe = probeFor('floor');
    const proc = startPinned('floor', SUT_CORE, [NODE, path.join(ROOT, 'dist/bench/floor-proxy.js')], {
      PORT: String(port),
      UPSTREAM_URL: upstreamUrl,
      ...probe.env,
    });
    await waitForPort(port, proc);
    return {
      url: `http://127.0.0.1:${port}`,
      pid: proc.pid,
      key: null,
      close: once(() => stop(proc)),
      loop: probe.attach(proc.pid),
    };
  }
  const id = randomBytes(4).toString('hex');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-bench-'));
  const env: Record<string, string> = {
    PORT: String(port),
    OLLAMA_URLS: upstreamUrl,
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: 'warn',
    INSTANCE_ID: `bench-${kind}`,
    ...(kind === 'pg+redis'
      ? { DATABASE_URL: DB_URL, DATABASE_SCHEMA: `bench_${id}`, REDIS_URL, REDIS_PREFIX: `bench:${id}:` }
      : { SQLITE_PATH: path.join(tmp, 'bench.db') }),
    ...(kind === 'express' ? { FAST_LANE: 'false' } : {}),
  };
  const probe = probeFor(kind);
  const proc = startPinned(kind, SUT_CORE, [NODE, path.join(ROOT, 'bin/llm-gateway.js'), 'gateway'], {
    ...env,
    ...probe.env,
  });
  await waitForPort(port, proc);
  const url = `http://127.0.0.1:${port}`;
  const created = await fetch(`${url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', rpm: 100_000_000, tpm: 100_000_000, max_concurrent: 10_000 }),
  });
  if (created.status !== 201) throw new Error(`bench key: ${created.status} ${await created.text()}`);
  const { key } = (await created.json()) as { key: string };
  return {
    url,
    pid: proc.pid,
    key,
    loop: probe.attach(proc.pid),
    close: once(async () => {
      await stop(proc);
      rmSync(tmp, { recursive: true, force: true });
      if (kind === 'pg+redis') await dropBackends(id);
    }),
  };
}

async function dropBackends(id: string): Promise<void> {
  const client = new pg.Client({ connectionString: DB_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "bench_${id}" CASCADE`);
  await client.end();
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `bench:${id}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

async function measure(kind: Kind, burstUp: { url: string; proc: Proc }, pacedUp: { url: string; proc: Proc }) {
  const wrkCore = kind === 'direct' ? SUT_CORE : LOAD_CORE; // direct: the upstream is the system under test
  const result: TargetResult = { target: kind, reps: [] };
  for (let rep = 0; rep < REPS; rep += 1) {
    const sut = await startSut(kind, burstUp.url, burstUp.proc.pid);
    const path = '/v1/chat/completions';
    try {
      const load = (connections: number) =>
        wrk({ url: sut.url + path, body: CHAT, key: sut.key, connections, seconds: SECONDS, core: wrkCore });
      // Idle: started, one key created, no load yet (what `llm-gateway gateway` holds doing nothing).
      const idleRss = kind === 'direct' ? null : sut.rss ? await sut.rss() : rssMb(sut.pid);
      await load(8); // warm-up: JIT, pools, caches
      const c1 = await load(1);
      const cpu = async () => (sut.cpuSeconds ? sut.cpuSeconds() : cpuSeconds(sut.pid));
      const cpuBefore = await cpu();
      await sut.loop?.(); // resets the histogram: the next reading covers the c=32 load only
      const c32 = await load(32);
      const loopC32 = (await sut.loop?.()) ?? null;
      const cpuPerRequestUs = (((await cpu()) - cpuBefore) / Math.max(1, c32.requests)) * 1e6;
      const c128 = QUICK ? null : await load(128);
      const burst = await streamLoad({
        url: sut.url + path,
        key: sut.key,
        body: STREAM,
        concurrency: 32,
        seconds: SECONDS,
      });
      const protocolBurst = (w: (typeof PROTOCOL_STREAMS)[keyof typeof PROTOCOL_STREAMS]) =>
        streamLoad({
          url: sut.url + w.path,
          key: sut.key,
          body: w.body,
          auth: w.auth,
          headers: w.headers,
          complete: w.complete,
          concurrency: 32,
          seconds: SECONDS,
        });
      const anthropic = await protocolBurst(PROTOCOL_STREAMS.anthropic);
      const ndjson = await protocolBurst(PROTOCOL_STREAMS.ndjson);
      const rss = sut.rss ? await sut.rss() : rssMb(sut.pid);
      await sut.close();
      const pacedSut = await startSut(kind, pacedUp.url, pacedUp.proc.pid);
      try {
        const pacedLoad = (seconds: number) =>
          streamLoad({ url: pacedSut.url + path, key: pacedSut.key, body: STREAM, concurrency: 8, seconds });
        // Warm-up as for the other workloads: a fresh process runs the request path and the relay unoptimised
        // (a few hundred paced streams do not get the JIT there), so first a burst of plain requests and streams.
        await wrk({
          url: pacedSut.url + path,
          body: CHAT,
          key: pacedSut.key,
          connections: 8,
          seconds: Math.min(2, SECONDS),
          core: wrkCore,
        });
        await streamLoad({
          url: pacedSut.url + path,
          key: pacedSut.key,
          body: STREAM,
          concurrency: 32,
          seconds: Math.min(2, SECONDS),
        });
        await pacedLoad(Math.min(1, SECONDS));
        const paced = await pacedLoad(SECONDS);
        result.reps.push({
          c1,
          c32,
          c128,
          burst,
          anthropic,
          ndjson,
          paced,
          cpuPerRequestUs: kind === 'direct' ? null : cpuPerRequestUs,
          rssMb: rss.total,
          rssAnonMb: rss.anon,
          idleRssMb: idleRss?.total ?? null,
          loopC32,
        });
      } finally {
        await pacedSut.close();
      }
    } finally {
      await sut.close();
    }
    process.stderr.write(`  ${kind}: rep ${rep + 1}/${REPS} done\n`);
  }
  return result;
}

async function main(): Promise<void> {
  process.stderr.write(`bench: ${TARGETS.join(', ')}; ${REPS} rep(s) × ${SECONDS}s per workload\n`);
  if (TARGETS.includes('stack')) await checkStack({ root: ROOT, node: NODE, sutCore: SUT_CORE, loadCore: LOAD_CORE });
  const burstUp = await startUpstream(20, 0);
  const pacedUp = await startUpstream(20, 5);
  const results: TargetResult[] = [];
  // A target that fails (the stack did not come up, a process died) is reported, and the others still are: a long
  // run is not thrown away for one of them. The exit code says that something failed.
  const failed: string[] = [];
  try {
    for (const kind of TARGETS as Kind[]) {
      try {
        results.push(await measure(kind, burstUp, pacedUp));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        process.stderr.write(`  ${kind}: FAILED — ${message}\n`);
        failed.push(`${kind} not measured: ${message.split('\n').slice(0, 6).join(' / ')}`);
        if (kind === 'stack') await closeStack();
      }
    }
  } finally {
    await closeStack();
    await stop(burstUp.proc);
    await stop(pacedUp.proc);
  }
  const report = printReport(results, {
    quick: QUICK,
    reps: REPS,
    seconds: SECONDS,
    notes: [...stackNotes(), ...failed],
  });
  if (failed.length > 0) process.exitCode = 1;
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { at: new Date().toISOString(), quick: QUICK, reps: REPS, seconds: SECONDS, results, summary: report },
      null,
      2,
    ),
  );
  process.stdout.write(`\nresults: ${path.relative(ROOT, file)}\n`);
}

await main();
