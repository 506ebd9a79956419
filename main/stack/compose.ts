// Docker Compose v2 as a child process: located and version-checked (≥ 2.20), its arguments built, its
// output streamed line by line. Compose creates, recreates and removes the stack; dockerode does the rest.
import { execFile, spawn } from 'node:child_process';
import { StackError } from './errors.js';
import { PROJECT } from './paths.js';

export const MIN_COMPOSE: readonly [number, number] = [2, 20];

export interface ComposeBinary {
  command: string;
  /** Arguments before compose's own (["compose"] for the docker CLI plugin). */
  prefix: string[];
  version: string;
}

/** "2.26.1-4", "v2.29.7", "Docker Compose version v2.20.2" → [2, 26, 1]; null when not a version. */
export function parseComposeVersion(text: string): [number, number, number] | null {
  const match = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!match) return null;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

export function isSupportedCompose(version: [number, number, number]): boolean {
  const [major, minor] = version;
  return major > MIN_COMPOSE[0] || (major === MIN_COMPOSE[0] && minor >= MIN_COMPOSE[1]);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 15_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
  });
}

/** `docker compose` (the plugin), else a standalone `docker-compose` that is v2. Old v1 is refused by name. */
export async function locateCompose(env: NodeJS.ProcessEnv = process.env): Promise<ComposeBinary> {
  const seen: string[] = [];
  const candidates: Array<{ command: string; prefix: string[] }> = [
    { command: env.LLMGW_DOCKER_CLI || 'docker', prefix: ['compose'] },
    { command: 'docker-compose', prefix: [] },
  ];
  for (const candidate of candidates) {
    let out: string;
    try {
      out = await run(candidate.command, [...candidate.prefix, 'version', '--short'], env);
    } catch (err) {
      seen.push(
        `${[candidate.command, ...candidate.prefix].join(' ')}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not installed' : 'not available'}`,
      );
      continue;
    }
    const version = parseComposeVersion(out);
    if (version && isSupportedCompose(version)) return { ...candidate, version: version.join('.') };
    seen.push(`${[candidate.command, ...candidate.prefix].join(' ')}: version ${out || '?'} is too old`);
  }
  throw new StackError(
    'no_compose',
    `Docker Compose v${MIN_COMPOSE.join('.')} or newer is needed. Found:\n  ${seen.join('\n  ')}`,
    { seen },
  );
}

export interface ComposeTarget {
  file: string;
  /** Override files layered on top (docker-compose.tls.yml when HTTPS is on). */
  overrides?: string[];
  envFile: string;
  project?: string;
}

/** The global part every call shares: project, file, env file, plain output (parsed into progress events). */
export function composeBaseArgs(binary: Pick<ComposeBinary, 'prefix'>, target: ComposeTarget): string[] {
  return [
    ...binary.prefix,
    '--ansi',
    'never',
    '--progress',
    'plain',
    '-p',
    target.project ?? PROJECT,
    '-f',
    target.file,
    ...(target.overrides ?? []).flatMap((file) => ['-f', file]),
    '--env-file',
    target.envFile,
  ];
}

export interface UpOptions {
  build?: boolean;
  waitTimeoutS?: number;
  /** Only these services (e.g. recreate the gateways); default all. */
  services?: string[];
  forceRecreate?: boolean;
  noDeps?: boolean;
}

export function upArgs(options: UpOptions = {}): string[] {
  return [
    'up',
    '-d',
    ...(options.build === false ? [] : ['--build']),
    '--wait',
    '--wait-timeout',
    String(options.waitTimeoutS ?? 300),
    ...(options.forceRecreate ? ['--force-recreate'] : []),
    ...(options.noDeps ? ['--no-deps'] : []),
    ...(options.services ?? []),
  ];
}

export function downArgs(options: { volumes?: boolean } = {}): string[] {
  return ['down', '--remove-orphans', ...(options.volumes ? ['--volumes'] : [])];
}

export interface ComposeResult {
  code: number;
  /** The last lines of output, for the error message. */
  tail: string[];
}

/** Runs compose, handing every output line (stdout and stderr) to onLine. Never throws on exit codes. */
export function runCompose(
  binary: ComposeBinary,
  args: string[],
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  cwd?: string,
): Promise<ComposeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary.command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const feed = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split(/\r?\n/);
        rest = lines.pop() ?? '';
        for (const line of lines) emit(line);
      });
      stream.on('end', () => rest && emit(rest));
    };
    const emit = (line: string) => {
      if (line.trim() === '') return;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      onLine(line);
    };
    feed(child.stdout);
    feed(child.stderr);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, tail }));
  });
}
