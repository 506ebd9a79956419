// A real Redis Cluster on loopback for tests: three masters from the machine's redis-server joined with
// `redis-cli --cluster create`, plus one replica of the first master (for CLUSTER FAILOVER). Every process is
// started here and stopped by its PID in stop(); a missing redis-server / redis-cli fails the start loudly.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  process: ChildProcess;
  /** A plain (non-cluster) admin connection to this node. */
  admin: Redis;
}

export interface TestRedisCluster {
  masters: ClusterNode[];
  replica: ClusterNode;
  /** REDIS_URL for the gateway: the first master as the seed. */
  url: string;
  /** The other masters as REDIS_CLUSTER_NODES. */
  seeds: string;
  nodeId(node: ClusterNode): Promise<string>;
  /** Port of the node that serves this slot as master right now. */
  masterOfSlot(slot: number): Promise<number>;
  /** Waits until every node reports cluster_state:ok and agrees on which node serves each slot. */
  waitStable(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Redis Cluster: ${what} not reached after ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
}

async function startNode(dir: string): Promise<ClusterNode> {
  const port = await freePort();
  const busPort = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--cluster-port',
      String(busPort),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      path.join(dir, `nodes-${port}.conf`),
      '--cluster-node-timeout',
      '2000',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--logfile',
      path.join(dir, `redis-${port}.log`),
    ],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(new Error(`cannot start redis-server (install the redis-server package): ${err.message}`)),
    );
    child.once('exit', (code) => reject(new Error(`redis-server on port ${port} exited with ${code}`)));
  });
  failed.catch(() => undefined);
  const admin = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  admin.on('error', () => undefined);
  await Promise.race([
    failed,
    waitFor(`redis-server :${port} answering`, async () => (await admin.ping()) === 'PONG', 10_000),
  ]);
  return { port, process: child, admin };
}

async function stopNode(node: ClusterNode): Promise<void> {
  node.admin.disconnect();
  if (node.process.exitCode !== null || node.process.signalCode !== null) return;
  const exited = once(node.process, 'exit');
  node.process.kill('SIGTERM'); // by PID: this process object is the one spawned above
  const timer = setTimeout(() => node.process.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function cli(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', args, { timeout: 30_000 });
    return stdout;
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error('redis-cli is missing (install the redis-tools package)', { cause: err });
    throw new Error(`redis-cli ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    });
  }
}

export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-cluster-'));
  const started: ClusterNode[] = [];
  const stop = async () => {
    await Promise.all(started.map(stopNode));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 4; i += 1) started.push(await startNode(dir));
    const [a, b, c, replica] = started as [ClusterNode, ClusterNode, ClusterNode, ClusterNode];
    const masters = [a, b, c];
    await cli(['--cluster', 'create', ...masters.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes']);
    const nodeId = async (node: ClusterNode) => String(await node.admin.call('CLUSTER', 'MYID'));
    await cli([
      '--cluster',
      'add-node',
      `127.0.0.1:${replica.port}`,
      `127.0.0.1:${a.port}`,
      '--cluster-slave',
      '--cluster-master-id',
      await nodeId(a),
    ]);

    const masterOfSlot = async (slot: number) => {
      const slots = (await a.admin.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, string]]>;
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`no node serves slot ${slot}`);
      return Number(range[2][1]);
    };
    const waitStable = async (timeoutMs = 20_000) => {
      await waitFor(
        'cluster_state:ok on every node with one view of the slots',
        async () => {
          const views: string[] = [];
          for (const node of started) {
            const info = String(await node.admin.call('CLUSTER', 'INFO'));
            if (!info.includes('cluster_state:ok')) return false;
            const slots = (await node.admin.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
            views.push(JSON.stringify(slots.map(([from, to, master]) => [from, to, master[1]]).sort()));
          }
          return new Set(views).size === 1;
        },
        timeoutMs,
      );
      await waitFor(
        'the replica in sync with its master',
        async () => {
          for (const node of started) {
            const info = String(await node.admin.info('replication'));
            if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
          }
          return true;
        },
        timeoutMs,
      );
    };
    await waitStable();
    return {
      masters,
      replica,
      url: `redis://127.0.0.1:${a.port}`,
      seeds: [b, c].map((n) => `127.0.0.1:${n.port}`).join(','),
      nodeId,
      masterOfSlot,
      waitStable,
      stop,
    };
  } catch (err) {
    const logs = started
      .map((n) => {
        try {
          return `--- redis ${n.port}\n${readFileSync(path.join(dir, `redis-${n.port}.log`), 'utf8').slice(-2000)}`;
        } catch {
          return '';
        }
      })
      .join('\n');
    await stop();
    throw new Error(`${String(err)}\n${logs}`, { cause: err });
  }
}
