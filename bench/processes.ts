// Child processes of the benchmark: started pinned to a core (taskset), awaited until their port answers,
// stopped by PID, and measured (CPU time, RSS) from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  output: () => string;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

export function startPinned(name: string, core: number, args: string[], env: Record<string, string>): Proc {
  const child = spawn('taskset', ['-c', String(core), ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  // taskset execs the command, so the child's PID is the measured process's PID.
  return { name, child, pid: child.pid!, output: () => output };
}

export async function waitForPort(port: number, proc: Proc, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited: ${proc.output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${proc.name} did not open port ${port}: ${proc.output()}`);
}

export async function stop(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident memory in MB: all of it, and the anonymous part (without the mapped node binary and libraries). */
export function rssMb(pid: number): { total: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) =>
    Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 102.4) / 10;
  return { total: mb('VmRSS'), anon: mb('RssAnon') };
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Reads and resets the event-loop-delay histogram of a process started with loopProbeEnv() (bench/loop-probe.ts):
 * the figures cover the time since the previous call. Null when the process has no probe (it did not answer).
 */
export async function loopDelay(pid: number, file: string): Promise<LoopDelay | null> {
  const read = (): { seq: number } & LoopDelay => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as { seq: number } & LoopDelay;
    } catch {
      return { seq: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 };
    }
  };
  const before = read().seq;
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 200; i += 1) {
    const now = read();
    if (now.seq > before) return { p50Ms: now.p50Ms, p99Ms: now.p99Ms, maxMs: now.maxMs };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return null;
}

/** Environment that preloads the event-loop probe into a Node process, writing to `file`. */
export function loopProbeEnv(probe: string, file: string): Record<string, string> {
  const options = [process.env.BENCH_NODE_OPTIONS, `--import=${probe}`].filter(Boolean).join(' ');
  return { NODE_OPTIONS: options, LOOP_PROBE_FILE: file };
}
