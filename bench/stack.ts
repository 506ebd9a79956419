// The `stack` target (opt-in: `--targets ...,stack`): the Compose stack — Nginx on 127.0.0.1:3000 in front of three
// gateway replicas, PostgreSQL and Redis — brought up through the project's StackController (as `llm-gateway up` and
// the e2e do), on the images named by the environment (NGINX_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE, NODE_IMAGE, e.g.
// from ../shared/tools/offline-images), with a real key created through the admin API behind Nginx. It stays up for
// all repetitions and is removed with its volumes (down --volumes) by closeStack(), on failure and on Ctrl-C too.
//
// The replicas call a twin of the bench's upstream: the same fixture with the same settings (read from the given
// upstream's environment), listening where a stock Ollama does — 127.0.0.1:11434 — so the stack comes up with no
// OLLAMA_URLS and reaches it through its ollama-forwarder (Linux), restarted when the settings change.
//
// The containers get the bench's SUT core as their cpuset (BENCH_STACK_CPUS=all leaves them unpinned, or names
// another cpuset), like every other system under test. CPU and memory are the whole stack's: the cgroup CPU time of
// its containers (the ollama-forwarder included) (Engine stats) and the sum of the RSS of every process in them. Where the CPU went during the
// c=32 run — per container, and on the host side docker-proxy (which relays 127.0.0.1:3000 to nginx), dockerd and
// the upstream twin — next to the host's busy time per core, is a note line under the table: what limits the stack.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { StackController } from '../main/stack/controller.js';
import { stockOllamaEnv } from '../main/stack/ollama-route.js';
import { cpuSeconds, rssMb, startPinned, stop, type Proc } from './processes.js';

const URL_ = 'http://127.0.0.1:3000';
const IMAGES: Array<[string, string]> = [
  ['NGINX_IMAGE', 'nginx:1.27-alpine'],
  ['POSTGRES_IMAGE', 'postgres:16-alpine'],
  ['REDIS_IMAGE', 'redis:7-alpine'],
  ['NODE_IMAGE', 'node:20-bookworm-slim'],
];

export interface StackSut {
  url: string;
  pid: number;
  key: string | null;
  close: () => Promise<void>;
  /** CPU seconds of all the stack's containers so far. */
  cpuSeconds: () => Promise<number>;
  /** Summed RSS (and anonymous RSS) of every process in the stack's containers. */
  rss: () => Promise<{ total: number; anon: number }>;
}

interface Options {
  root: string;
  node: string;
  /** Core for the upstream twin (the bench's load core). */
  loadCore: number;
  /** The bench's SUT core: the stack's containers get it as their cpuset unless BENCH_STACK_CPUS says otherwise. */
  sutCore: number;
}

interface Open {
  controller: StackController;
  docker: Docker;
  home: string;
  host: string;
  port: number;
  key: string;
  containers: Array<{ id: string; name: string }>;
  twin?: { proc: Proc; settings: string };
  /** CPU per container and host CPU per core when the measured interval opened. */
  last?: { at: number; perContainer: Map<string, number>; helpers: Map<string, number>; host: number[] };
}

let opened: Promise<Open> | undefined;
/** cpuset of the stack's containers: the SUT core by default, like every other target; BENCH_STACK_CPUS=all: unpinned. */
let cpus = '0';
const notes: string[] = [];
let options: Options | undefined;

const short = (name: string) => name.replace(/^llm-gateway-/, '');

/** Fails at once, with the fix, when the stack cannot run here (no Engine, no Compose, missing images, a stack already up). */
export async function checkStack(opts: Options): Promise<void> {
  options = opts;
  cpus = process.env.BENCH_STACK_CPUS || String(opts.sutCore);
  const controller = new StackController({ env: { ...process.env, LLMGW_HOME: os.tmpdir() } });
  let docker: Docker;
  try {
    docker = await controller.docker();
  } catch (err) {
    throw new Error(
      `bench: the 'stack' target needs a Docker Engine, and none answered.\n${(err as Error).message}\n` +
        'Start one (on these machines: ../shared/tools/offline-images --with-compose > /tmp/images.env), or leave stack out of --targets.',
      { cause: err },
    );
  }
  for (const [name, fallback] of IMAGES) {
    const image = process.env[name] || fallback;
    try {
      await docker.getImage(image).inspect();
    } catch {
      throw new Error(
        `bench: image ${image} (${name}) is not on this engine. Build the local images and pass their names:\n` +
          '  ../shared/tools/offline-images --with-compose > /tmp/images.env && set -a && . /tmp/images.env && set +a',
      );
    }
  }
  if ((await controller.containers()).length > 0) {
    throw new Error(
      "bench: an 'llm-gateway' stack already exists on this engine; the benchmark will not touch it (llm-gateway down, then rerun).",
    );
  }
}

async function open(): Promise<Open> {
  if (!options) throw new Error('bench: checkStack() first');
  const started = Date.now();
  const home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-bench-stack-'));
  const probe = new StackController({ env: { ...process.env, LLMGW_HOME: home } });
  const docker = await probe.docker();
  // Ollama's own default address; the stack's default route (the forwarder) reaches it.
  const host = '127.0.0.1';
  const port = 11434;
  const controller = new StackController({
    env: { ...stockOllamaEnv(process.env), LLMGW_HOME: home, LOG_LEVEL: 'warn' },
  });
  const state: Open = { controller, docker, home, host, port, key: '', containers: [] };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stderr.write('  stack: up (compose, waits for every container to be healthy)…\n');
  try {
    const status = await controller.up();
    if (status.state !== 'running') throw new Error(`bench: the stack did not come up (${status.state})`);
    state.containers = status.containers.map((c) => ({ id: c.id, name: c.name }));
    if (cpus !== 'all') {
      for (const c of state.containers) await docker.getContainer(c.id).update({ CpusetCpus: cpus });
    }
    const admin = controller.envFile().values.ADMIN_TOKEN!;
    const created = await fetch(`${URL_}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench-stack', rpm: 100_000_000, tpm: 100_000_000, max_concurrent: 10_000 }),
    });
    if (created.status !== 201) throw new Error(`bench: stack key: ${created.status} ${await created.text()}`);
    state.key = ((await created.json()) as { key: string }).key;
  } catch (err) {
    await teardown(state);
    throw err;
  }
  process.stderr.write(`  stack: up in ${Math.round((Date.now() - started) / 1000)} s; containers on cpuset ${cpus}\n`);
  return state;
}

/** Settings of a running upstream fixture (FAST, CHUNKS, CHUNK_DELAY_MS), read from its environment. */
function upstreamSettings(pid: number): Record<string, string> {
  const env = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  return Object.fromEntries(
    ['FAST', 'CHUNKS', 'CHUNK_DELAY_MS'].filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]),
  );
}

async function useUpstream(state: Open, upstreamPid: number): Promise<void> {
  const settings = upstreamSettings(upstreamPid);
  const wanted = JSON.stringify(settings);
  if (state.twin?.settings === wanted) return;
  if (state.twin) await stop(state.twin.proc);
  const proc = startPinned(
    'stack-upstream',
    options!.loadCore,
    [options!.node, path.join(options!.root, 'dist/test/fixtures/ollama-upstream/cli.js')],
    {
      ...settings,
      HOST: state.host,
      PORT: String(state.port),
    },
  );
  state.twin = { proc, settings: wanted };
  await waitForHostPort(state.host, state.port, proc);
  // The replicas' pooled connections went to the previous twin: a few requests through Nginx renew them.
  await Promise.all(
    Array.from({ length: 12 }, () =>
      fetch(`${URL_}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${state.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'llama3.2:1b', messages: [{ role: 'user', content: 'warm' }], max_tokens: 4 }),
      }).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      ),
    ),
  );
}

async function waitForHostPort(host: string, port: number, proc: Proc): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`stack upstream exited: ${proc.output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stack upstream did not open ${host}:${port}: ${proc.output()}`);
}

/** Host CPU busy seconds per core (user+nice+system+irq+softirq+steal), from /proc/stat. */
function hostCpu(): number[] {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      const [, user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).map(Number);
      return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
    });
}

async function containerCpu(state: Open): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await Promise.all(
    state.containers.map(async (c) => {
      const stats = (await state.docker
        .getContainer(c.id)
        .stats({ stream: false, 'one-shot': true } as { stream: false })) as {
        cpu_stats?: { cpu_usage?: { total_usage?: number } };
      };
      out.set(short(c.name), (stats.cpu_stats?.cpu_usage?.total_usage ?? 0) / 1e9);
    }),
  );
  return out;
}

/** CPU seconds of host processes around the stack: docker-proxy (it relays 127.0.0.1:3000 → nginx), dockerd, containerd. */
function hostHelpers(state: Open): Map<string, number> {
  const out = new Map<string, number>([
    ['docker-proxy', 0],
    ['dockerd+containerd', 0],
    ['upstream', 0],
  ]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const group =
        comm === 'docker-proxy' ? comm : comm === 'dockerd' || comm === 'containerd' ? 'dockerd+containerd' : null;
      if (group) out.set(group, out.get(group)! + cpuSeconds(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  if (state.twin) out.set('upstream', cpuSeconds(state.twin.proc.pid));
  return out;
}

function noteInterval(state: Open, perContainer: Map<string, number>, host: number[]): void {
  // Calls come in pairs around the c=32 run (before, after): the first opens the interval, the second closes it.
  const helpers = hostHelpers(state);
  const last = state.last;
  if (!last) {
    state.last = { at: Date.now(), perContainer, helpers, host };
    return;
  }
  state.last = undefined;
  const seconds = (Date.now() - last.at) / 1000;
  if (seconds < 0.5) return;
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const cores = (a: number, b: number) => ((a - b) / seconds).toFixed(2);
  const list = (now: Map<string, number>, before: Map<string, number>) =>
    [...now].map(([name, cpu]) => `${name} ${cores(cpu, before.get(name) ?? 0)}`).join(', ');
  const stackTotal = sum(perContainer) - sum(last.perContainer);
  const helperTotal = sum(helpers) - sum(last.helpers);
  const hostTotal = host.reduce((a, b) => a + b, 0) - last.host.reduce((a, b) => a + b, 0);
  const sorted = new Map([...perContainer].sort(([a], [b]) => a.localeCompare(b)));
  notes.push(
    `stack c=32 (${seconds.toFixed(1)} s), CPU in cores (containers on cpuset ${cpus}) — stack ${(stackTotal / seconds).toFixed(2)}: ${list(sorted, last.perContainer)}; ` +
      `host side ${(helperTotal / seconds).toFixed(2)}: ${list(helpers, last.helpers)}; everything else (wrk, the bench, other processes) ` +
      `${((hostTotal - stackTotal - helperTotal) / seconds).toFixed(2)}; host busy ${(hostTotal / seconds).toFixed(2)} of ${host.length} ` +
      `(${host.map((busy, i) => `core ${i} ${cores(busy, last.host[i] ?? 0)}`).join(', ')}); load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
}

/** The stack as a system under test whose replicas call a twin of the given upstream. Brings the stack up on first use. */
export async function stackSut(upstreamPid: number): Promise<StackSut> {
  opened ??= open();
  const state = await opened;
  await useUpstream(state, upstreamPid);
  return {
    url: URL_,
    pid: 0,
    key: state.key,
    close: async () => {}, // the stack stays up for every repetition; closeStack() removes it
    cpuSeconds: async () => {
      const [perContainer, host] = [await containerCpu(state), hostCpu()];
      noteInterval(state, perContainer, host);
      return [...perContainer.values()].reduce((a, b) => a + b, 0);
    },
    rss: async () => {
      let total = 0;
      let anon = 0;
      for (const c of state.containers) {
        const top = (await state.docker.getContainer(c.id).top()) as { Titles: string[]; Processes: string[][] };
        const column = top.Titles.indexOf('PID');
        for (const row of top.Processes) {
          try {
            const rss = rssMb(Number(row[column]));
            total += rss.total;
            anon += rss.anon;
          } catch {
            // exited meanwhile (a short-lived healthcheck)
          }
        }
      }
      return { total: Math.round(total), anon: Math.round(anon) };
    },
  };
}

/** Note lines for the report (empty when the stack target did not run). */
export function stackNotes(): string[] {
  return [...notes];
}

async function teardown(state: Open): Promise<void> {
  if (state.twin) await stop(state.twin.proc).catch(() => {});
  process.stderr.write('  stack: down --volumes\n');
  await state.controller
    .down({ volumes: true })
    .catch((err: unknown) => process.stderr.write(`bench: stack teardown failed: ${String(err)}\n`));
  rmSync(state.home, { recursive: true, force: true });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/** Removes the stack with its volumes (no-op when it was never brought up). */
export async function closeStack(): Promise<void> {
  if (!opened) return;
  const state = await opened.catch(() => undefined); // a failed open() has cleaned up after itself
  opened = undefined;
  if (state) await teardown(state);
}

function onSignal(signal: NodeJS.Signals): void {
  process.stderr.write(`\nbench: ${signal}: removing the stack…\n`);
  void closeStack().finally(() => process.exit(130));
}
