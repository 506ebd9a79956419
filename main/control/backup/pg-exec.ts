// Where pg_dump and pg_restore run, behind one interface: inside the stack's postgres container through the Engine
// API (dockerode exec; the container's own POSTGRES_USER/POSTGRES_DB and its local socket, which the image trusts,
// so no password leaves the container), or as local programs against a connection URL (tests against the
// machine's PostgreSQL, and anyone whose database is not in a container). The dump is PostgreSQL's custom format;
// the restore runs in one transaction, so a failing restore leaves the database as it was.
import { spawn } from 'node:child_process';
import { PassThrough, type Duplex, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type Docker from 'dockerode';
import { ControlError } from '../errors.js';

export interface PgExec {
  /** Where the tools run, for messages ("container llm-gateway-postgres"). */
  readonly where: string;
  /** A custom-format dump of the whole database, written to `out` (ended when the dump is complete). */
  dump(out: Writable): Promise<void>;
  /** Replaces the database's objects with the dump read from `input`, all or nothing. */
  restore(input: Readable): Promise<void>;
}

export const PG_DUMP_ARGS = ['--format=custom', '--no-password'];
/**
 * --clean --if-exists: drop what the dump recreates; --single-transaction + --exit-on-error: all or nothing;
 * --no-owner/--no-privileges: objects belong to the restoring user, so a backup restores into a stack whose
 * generated user differs (a new stack.env).
 */
export const PG_RESTORE_ARGS = [
  '--clean',
  '--if-exists',
  '--single-transaction',
  '--exit-on-error',
  '--no-owner',
  '--no-privileges',
  '--no-password',
];

interface RunResult {
  exitCode: number;
  stderr: string;
}

/** stderr is kept for the error message, bounded: a tool that floods it must not fill memory. */
const STDERR_LIMIT = 64 * 1024;

function stderrSink(): { stream: PassThrough; text: () => string } {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    if (size >= STDERR_LIMIT) return;
    chunks.push(chunk);
    size += chunk.length;
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

function failed(tool: string, where: string, result: RunResult): ControlError {
  const detail = result.stderr.trim().split('\n').slice(-5).join(' / ') || `exit code ${result.exitCode}`;
  return new ControlError('backup_failed', `${tool} failed (${where}): ${detail}`, {
    tool,
    exitCode: result.exitCode,
  });
}

/** pg_dump/pg_restore as local programs against `url` (postgres://…). */
export class LocalPgExec implements PgExec {
  readonly where: string;

  constructor(
    private readonly url: string,
    private readonly bin: { pgDump: string; pgRestore: string } = { pgDump: 'pg_dump', pgRestore: 'pg_restore' },
  ) {
    const u = new URL(url);
    this.where = `${u.host}${u.pathname}`;
  }

  private run(program: string, args: string[], io: { out?: Writable; input?: Readable }): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const err = stderrSink();
      child.stderr.pipe(err.stream);
      if (io.out) child.stdout.pipe(io.out);
      else child.stdout.resume();
      child.once('error', (error) =>
        reject(new ControlError('backup_failed', `${program} could not be started: ${error.message}`, { program })),
      );
      child.once('close', (code) => resolve({ exitCode: code ?? 1, stderr: err.text() }));
      // A restore that fails early closes its stdin; that EPIPE is reported by the exit code and stderr instead.
      child.stdin.on('error', () => undefined);
      if (io.input) {
        io.input.once('error', () => child.stdin.destroy());
        io.input.pipe(child.stdin);
      } else child.stdin.end();
    });
  }

  async dump(out: Writable): Promise<void> {
    const result = await this.run(this.bin.pgDump, [...PG_DUMP_ARGS, `--dbname=${this.url}`], { out });
    if (result.exitCode !== 0) throw failed('pg_dump', this.where, result);
    if (!out.writableFinished) await finished(out);
  }

  async restore(input: Readable): Promise<void> {
    const result = await this.run(this.bin.pgRestore, [...PG_RESTORE_ARGS, `--dbname=${this.url}`], { input });
    if (result.exitCode !== 0) throw failed('pg_restore', this.where, result);
  }
}

/** The tools inside a running postgres container, as its postgres user, on the container's local socket. */
export class DockerPgExec implements PgExec {
  readonly where: string;

  constructor(
    private readonly docker: Docker,
    private readonly container: { id: string; name: string },
  ) {
    this.where = `container ${container.name}`;
  }

  private async run(script: string, io: { out?: Writable; input?: Readable }): Promise<RunResult> {
    const exec = await this.docker.getContainer(this.container.id).exec({
      // The variables are the container's own (docker exec inherits its environment).
      Cmd: ['sh', '-c', script],
      User: 'postgres',
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: io.input !== undefined,
    });
    const stream = (await exec.start({ hijack: true, stdin: io.input !== undefined })) as Duplex;
    const err = stderrSink();
    const ended = new Promise<void>((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', reject);
    });
    const stdout = new PassThrough();
    if (io.out) stdout.pipe(io.out);
    else stdout.resume();
    this.docker.modem.demuxStream(stream, stdout, err.stream);
    // When the input ends, pipe() ends the write side: the hijacked connection is half-closed and the Engine
    // closes the process's stdin (EOF), as `docker exec -i` does.
    if (io.input) io.input.pipe(stream);
    await ended;
    stdout.end();
    // The stream can end a moment before the Engine records the exit code.
    let info = await exec.inspect();
    for (let i = 0; info.Running && i < 100; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      info = await exec.inspect();
    }
    return { exitCode: info.ExitCode ?? 1, stderr: err.text() };
  }

  async dump(out: Writable): Promise<void> {
    const result = await this.run(
      `exec pg_dump ${PG_DUMP_ARGS.join(' ')} --username="$POSTGRES_USER" --dbname="$POSTGRES_DB"`,
      { out },
    );
    if (result.exitCode !== 0) throw failed('pg_dump', this.where, result);
    if (!out.writableFinished) await finished(out);
  }

  async restore(input: Readable): Promise<void> {
    const result = await this.run(
      `exec pg_restore ${PG_RESTORE_ARGS.join(' ')} --username="$POSTGRES_USER" --dbname="$POSTGRES_DB"`,
      { input },
    );
    if (result.exitCode !== 0) throw failed('pg_restore', this.where, result);
  }
}
