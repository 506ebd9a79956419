// The stack's real nginx.conf and entrypoint.sh run by a host nginx (Debian's /usr/sbin/nginx, the version the
// stack's image is built from), without Docker: fast tests of TLS, redirects and allow-lists through real nginx.
// The conf is taken from compose/nginx as is; only what Docker provides differently is rewritten: the replica
// address (a test gateway on 127.0.0.1), the listen addresses (127.0.0.1 and free ports), and the folders.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const COMPOSE_NGINX = path.resolve(import.meta.dirname, '../../compose/nginx');

export interface LocalNginx {
  httpUrl: string;
  httpPort: number;
  tlsPort: number;
  dir: string;
  close(): Promise<void>;
}

function errorLog(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts nginx in front of `gatewayUrl` with the entrypoint's environment `env` (LLMGW_TLS, LLMGW_ALLOW_IPS ...). */
export async function startLocalNginx(gatewayUrl: string, env: Record<string, string> = {}): Promise<LocalNginx> {
  if (!existsSync(NGINX)) {
    throw new Error(`${NGINX} is missing: install Debian's nginx (apt-get install nginx-light) or set NGINX_BIN`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-nginx-'));
  const [httpPort, tlsPort] = [await freePort(), await freePort()];
  const gateway = new URL(gatewayUrl);
  const conf = readFileSync(path.join(COMPOSE_NGINX, 'nginx.conf'), 'utf8')
    .replace('worker_processes auto;', 'worker_processes 1;')
    .replace('error_log /dev/stderr warn;', `error_log ${dir}/error.log warn;`)
    .replace('access_log /dev/stdout;', `access_log ${dir}/access.log;`)
    .replace('pid /tmp/nginx.pid;', `pid ${dir}/nginx.pid;`)
    .replaceAll('/tmp/llmgw-nginx/', `${dir}/gen/`)
    .replace('listen 80 default_server;', `listen 127.0.0.1:${httpPort} default_server;`)
    .replace('listen [::]:80 default_server;', '');
  if (conf.includes('/tmp/llmgw-nginx/') || conf.includes('listen 80')) throw new Error('nginx.conf changed shape');
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  // The entrypoint writes the generated includes; `true` instead of nginx: no address watcher, nothing else runs.
  await promisify(execFile)('sh', [path.join(COMPOSE_NGINX, 'entrypoint.sh'), 'true'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LLMGW_NGINX_DIR: `${dir}/gen`,
      // The stack's upstream block (compose mode), pointed at this gateway instead of the `api-gateway` replicas.
      LLMGW_UPSTREAM_HOST: gateway.hostname,
      LLMGW_UPSTREAM_PORT: gateway.port,
      LLMGW_TLS_LISTEN: `127.0.0.1:${tlsPort}`,
      LLMGW_TLS_LISTEN6: '',
      LLMGW_TLS_PORT: String(tlsPort),
      // Outside a container the default route's gateway is not "the host": count nothing extra as local.
      LLMGW_HOST_ADDRESS: '',
      ...env,
    },
  });
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', dir, '-e', `${dir}/error.log`, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start: ${stderr}${errorLog(dir)}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(httpPort, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${httpPort}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    httpPort,
    tlsPort,
    dir,
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
