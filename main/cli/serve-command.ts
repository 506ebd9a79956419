// `llm-gateway serve [--port 3131] [--host 127.0.0.1] [--start]`: the control plane plus the dashboard over HTTP for
// machines without a desktop. Prints the URL with its token (like Jupyter); Ctrl-C stops the embedded gateway.
import { createControlPlane, type ControlPlane } from '../control/api.js';
import { toControlError } from '../control/errors.js';
import { ServeError } from '../serve/errors.js';
import { startServe, type ServeHandle } from '../serve/server.js';
import { failureOf } from './exit.js';

/** The parsed options (commands.ts defines them, with their defaults). */
export interface ServeFlags {
  port: number;
  host: string;
  start?: boolean;
}

export interface ServeRun {
  plane: ControlPlane;
  server: ServeHandle;
  close(): Promise<void>;
}

export interface ServeCommandOptions {
  /** Start the gateway (stack, or embedded when no Docker Engine answers) right away. */
  start?: boolean;
  log?: (line: string) => void;
}

export async function startServeCommand(opts: ServeFlags, options: ServeCommandOptions = {}): Promise<ServeRun> {
  const log = options.log ?? ((line: string) => console.log(line));
  const plane = createControlPlane({ logLevel: process.env.LOG_LEVEL ?? 'info' });
  await plane.init();
  let server: ServeHandle;
  try {
    server = await startServe({ plane, host: opts.host, port: opts.port });
  } catch (err) {
    await plane.close();
    throw err;
  }
  if (opts.host !== '127.0.0.1' && opts.host !== 'localhost' && opts.host !== '::1') {
    log(`Warning: serving on ${opts.host}; anyone who can reach it and has the token controls the gateway.`);
  }
  if (options.start || opts.start) {
    const mode = plane.state().mode;
    log(`Starting the gateway (${mode === 'embedded' ? 'embedded mode: no Docker Engine needed' : 'Docker stack'})…`);
    const started = await plane.call('gateway.start', undefined);
    if (started.ok)
      log(`Gateway: ${plane.state().gatewayUrl ?? '(not running)'}  (OpenAI base URL: ${plane.state().gatewayUrl}/v1)`);
    else log(`The gateway did not start: ${started.error.message}\n${started.error.hint}`);
  }
  log(`Dashboard: ${server.dashboardUrl}`);
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await server.close();
      await plane.close();
    })());
  return { plane, server, close };
}

export async function runServe(opts: ServeFlags, options: ServeCommandOptions = {}): Promise<void> {
  let run: ServeRun;
  try {
    run = await startServeCommand(opts, options);
  } catch (err) {
    const failure = failureOf(err instanceof ServeError ? err : toControlError(err))!;
    console.error(failure.text);
    process.exit(failure.exit);
  }
  const stop = (signal: string) => {
    console.log(`\n${signal}: stopping…`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void run.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
