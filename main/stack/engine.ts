// Finds a Docker Engine API: DOCKER_HOST first, then the usual sockets per OS (Docker Engine, rootless,
// Docker Desktop, Colima/Rancher, Podman's Docker-compatible socket), and connects dockerode to the first that answers.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { StackError } from './errors.js';

export interface EngineCandidate {
  /** dockerode options: socketPath (unix socket or Windows named pipe) or host/port/protocol. */
  kind: 'socket' | 'tcp';
  address: string;
  /** What it is, for messages ("rootless Docker", "Podman"...). */
  label: string;
  /** DOCKER_HOST value for child processes (docker compose) so they talk to the same engine. */
  dockerHost: string;
}

export interface DiscoveryInput {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  uid: number;
}

function fromDockerHost(value: string): EngineCandidate {
  if (value.startsWith('unix://'))
    return { kind: 'socket', address: value.slice('unix://'.length), label: 'DOCKER_HOST', dockerHost: value };
  if (value.startsWith('npipe://')) {
    // npipe:////./pipe/docker_engine → \\.\pipe\docker_engine
    const pipe = value.slice('npipe://'.length).replace(/^\/+/, '').replace(/\//g, '\\');
    return { kind: 'socket', address: `\\\\${pipe.replace(/^\\+/, '')}`, label: 'DOCKER_HOST', dockerHost: value };
  }
  if (/^(tcp|http|https):\/\//.test(value))
    return { kind: 'tcp', address: value, label: 'DOCKER_HOST', dockerHost: value };
  if (value.startsWith('ssh://')) return { kind: 'tcp', address: value, label: 'DOCKER_HOST (ssh)', dockerHost: value };
  return { kind: 'socket', address: value, label: 'DOCKER_HOST', dockerHost: `unix://${value}` };
}

const unix = (address: string, label: string): EngineCandidate => ({
  kind: 'socket',
  address,
  label,
  dockerHost: `unix://${address}`,
});
const pipe = (name: string, label: string): EngineCandidate => ({
  kind: 'socket',
  address: `\\\\.\\pipe\\${name}`,
  label,
  dockerHost: `npipe:////./pipe/${name}`,
});

/** Candidates in the order they are tried. DOCKER_HOST, when set, is the only one: the user chose it. */
export function engineCandidates(input: DiscoveryInput): EngineCandidate[] {
  const { platform, env, home, uid } = input;
  if (env.DOCKER_HOST) return [fromDockerHost(env.DOCKER_HOST)];
  if (platform === 'win32') {
    return [pipe('docker_engine', 'Docker Desktop'), pipe('podman-machine-default', 'Podman machine')];
  }
  const runtime = env.XDG_RUNTIME_DIR || `/run/user/${uid}`;
  if (platform === 'darwin') {
    return [
      unix(path.join(home, '.docker', 'run', 'docker.sock'), 'Docker Desktop'),
      unix('/var/run/docker.sock', 'Docker Desktop (system socket)'),
      unix(path.join(home, '.colima', 'default', 'docker.sock'), 'Colima'),
      unix(path.join(home, '.rd', 'docker.sock'), 'Rancher Desktop'),
      unix(path.join(home, '.local', 'share', 'containers', 'podman', 'machine', 'podman.sock'), 'Podman machine'),
    ];
  }
  return [
    unix('/var/run/docker.sock', 'Docker Engine'),
    unix(path.join(runtime, 'docker.sock'), 'rootless Docker'),
    unix(path.join(home, '.docker', 'desktop', 'docker.sock'), 'Docker Desktop for Linux'),
    unix(path.join(home, '.docker', 'run', 'docker.sock'), 'Docker Desktop for Linux'),
    unix(path.join(runtime, 'podman', 'podman.sock'), 'Podman (rootless)'),
    unix('/run/podman/podman.sock', 'Podman'),
  ];
}

export function dockerodeOptions(candidate: EngineCandidate): Docker.DockerOptions {
  if (candidate.kind === 'socket') return { socketPath: candidate.address };
  const url = new URL(candidate.address.replace(/^tcp:/, 'http:'));
  if (url.protocol === 'ssh:')
    return { protocol: 'ssh', host: url.hostname, port: url.port || 22, username: url.username };
  return { protocol: url.protocol === 'https:' ? 'https' : 'http', host: url.hostname, port: url.port || 2375 };
}

export interface Engine {
  docker: Docker;
  candidate: EngineCandidate;
  version: string;
}

async function ping(docker: Docker, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      docker.version(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return info.Version;
  } finally {
    clearTimeout(timer);
  }
}

/** Connects to the first candidate that answers; StackError no_engine lists what was tried. */
export async function discoverEngine(
  input: DiscoveryInput = {
    platform: process.platform,
    env: process.env,
    home: os.homedir(),
    uid: process.getuid?.() ?? 0,
  },
  exists: (file: string) => boolean = existsSync,
  timeoutMs = 5_000,
): Promise<Engine> {
  const tried: string[] = [];
  for (const candidate of engineCandidates(input)) {
    // Named pipes cannot be stat'ed reliably; try them (and TCP) directly.
    if (candidate.kind === 'socket' && input.platform !== 'win32' && !exists(candidate.address)) {
      tried.push(`${candidate.address} (${candidate.label}): not found`);
      continue;
    }
    const docker = new Docker(dockerodeOptions(candidate));
    try {
      const version = await ping(docker, timeoutMs);
      return { docker, candidate, version };
    } catch (err) {
      tried.push(`${candidate.address} (${candidate.label}): ${(err as Error).message}`);
    }
  }
  throw new StackError('no_engine', `No Docker Engine answered. Tried:\n  ${tried.join('\n  ')}`, { tried });
}
