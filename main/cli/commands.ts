// The one list of the CLI's commands: each with its arguments and options (commander definitions; the parser, the
// help on every command and the shell completion all come from these) and a lazy import of the module that runs
// it, so `llm-gateway gateway` loads the gateway and nothing of the control plane, the stack or the readiness suite.
// A new command is one more block here.
import { Command, Option } from 'commander';
import { commaList, instant, nonNegativeInt, nonNegativeNumber, portNumber, positiveInt } from './parsers.js';

const JSON_HELP = 'print JSON instead of a table';

/** A repeatable option's values, in order. */
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * The Compose file's services (program.test.ts holds this list equal to compose/docker-compose.yml), offered in
 * help and completion; the stack controller still checks that the service has containers.
 */
export const SERVICES = [
  'nginx',
  'api-gateway',
  'postgres',
  'redis',
  'ollama-forwarder',
  'ollama',
  'prometheus',
  'grafana',
];

function addGateway(program: Command): void {
  program
    .command('gateway')
    .description('run the gateway (configured by environment variables; see README "Configuration")')
    .action(async () => (await import('./gateway-command.js')).runGatewayCommand());
}

function addKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description("manage API keys straight in the gateway's store (DATABASE_URL, or SQLITE_PATH)");
  keys
    .command('create')
    .description('create an API key (its plaintext is shown once)')
    .argument('[name]', 'the key name (same as --name)')
    .option('--name <name>', 'the key name, e.g. my-app')
    .option('--models <list>', 'comma-separated models the key may use (default: all)', commaList)
    .option('--rpm <n>', 'requests per minute', positiveInt)
    .option('--tpm <n>', 'tokens per minute', positiveInt)
    .option('--max-concurrent <n>', 'requests in flight at once', positiveInt)
    .option('--expires-in-days <n>', 'expire after this many days', positiveInt)
    .option('--allow-ip <cidr>', 'only these client addresses/CIDRs (repeatable or comma-separated)', collect)
    .option('--cache', 'answer repeated deterministic requests from the response cache (temperature 0 or a seed)')
    .option('--json', JSON_HELP)
    .action(async (name: string | undefined, opts) =>
      (await import('./keys-command.js')).createKey({ ...opts, name: opts.name ?? name }),
    );
  keys
    .command('list')
    .description('list keys (id, prefix, status, name)')
    .option('--json', JSON_HELP)
    .action(async (opts) => (await import('./keys-command.js')).listKeys(opts));
  keys
    .command('show')
    .description("one key's details: limits, models, dates, successor")
    .argument('<id>', 'the key id (see `keys list`)')
    .option('--json', JSON_HELP)
    .action(async (id: string, opts) => (await import('./keys-command.js')).showKey(id, opts));
  keys
    .command('revoke')
    .description('revoke a key at once (every replica refuses it)')
    .argument('<id>', 'the key id')
    .action(async (id: string) => (await import('./keys-command.js')).revokeKey(id));
  keys
    .command('rotate')
    .description('issue a successor key with the same limits; the old one keeps working for the grace period')
    .argument('<id>', 'the key id')
    .option('--grace-hours <n>', 'hours the old key stays valid (default: ROTATION_GRACE_HOURS)', nonNegativeNumber)
    .option('--json', JSON_HELP)
    .action(async (id: string, opts) => (await import('./keys-command.js')).rotateKey(id, opts));
}

function addModels(program: Command): void {
  const models = program.command('models').description("Ollama's models, through the control plane (like the tray)");
  models
    .command('list')
    .alias('ls')
    .description('installed models: size, parameters, quantization, context length, loaded')
    .option('--json', JSON_HELP)
    .action(async (opts) => (await import('./models-command.js')).listModels(opts));
  models
    .command('pull')
    .description('download a model with live progress (Ctrl-C cancels; pulling again resumes)')
    .argument('<name>', 'a model name such as qwen3:8b, or a pasted `ollama pull NAME`')
    .option('--json', 'print NDJSON progress events')
    .action(async (name: string, opts) => (await import('./models-command.js')).pullModel(name, opts));
  models
    .command('rm')
    .alias('delete')
    .description('delete an installed model')
    .argument('<name>', 'the model name')
    .action(async (name: string) => (await import('./models-command.js')).removeModel(name));
  models
    .command('show')
    .description("one installed model's details")
    .argument('<name>', 'the model name')
    .option('--json', JSON_HELP)
    .action(async (name: string, opts) => (await import('./models-command.js')).showModel(name, opts));
  models
    .command('ps')
    .description('models loaded in memory right now')
    .option('--json', JSON_HELP)
    .action(async (opts) => (await import('./models-command.js')).loadedModels(opts));
}

function addUsage(program: Command): void {
  program
    .command('usage')
    .description('requests, tokens, errors and latency percentiles per key and model, with totals')
    .option('--from <when>', 'start: ISO date, or an age like 24h, 7d (default 24h)', instant)
    .option('--to <when>', 'end: ISO date, `now` or an age (default now)', instant)
    .option('--key <id>', 'only this key id')
    .option('--model <name>', 'only this model')
    .option('--json', JSON_HELP)
    .action(async (opts) => (await import('./usage-command.js')).runUsage(opts));
}

function addStack(program: Command): void {
  const run = (command: string) => async (args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const service = typeof args[0] === 'string' ? args[0] : undefined;
    const stack = await import('./stack-commands.js');
    return stack.runStack(stack.asStackCommand(command), cmd.opts(), service);
  };
  const json = () => new Option('--json', 'print JSON lines (one event per line)');
  program
    .command('up')
    .description("create/update the Docker stack (nginx :3000, 3 gateways, Postgres, Redis); wait until it's healthy")
    .addOption(json())
    .option('-v, --verbose', 'show the image build')
    .option('--tls', 'HTTPS on nginx too (a local CA unless --tls-cert/--tls-key)')
    .option('--tls-port <n>', 'the HTTPS port (default 3443)', portNumber)
    .option('--tls-cert <file>', 'your own certificate (PEM)')
    .option('--tls-key <file>', 'its private key (PEM)')
    .option('--tls-redirect', 'redirect plain HTTP from other machines to HTTPS')
    .option('--allow-ip <cidr>', 'only these client addresses may use the stack (repeatable or comma list)', collect)
    .option('--monitoring', 'Prometheus too (127.0.0.1:19090): every replica scraped, rules and alerts')
    .option(
      '--grafana',
      'Grafana too (127.0.0.1:13001) with the shipped dashboard; implies --monitoring, pulls its image',
    )
    .option('--swarm', 'deploy the same stack on Docker Swarm (a new GATEWAY_IMAGE tag rolls the gateways)')
    .option('--replicas <n>', 'gateway replicas on Swarm (1–100, default 3)', positiveInt)
    .action((...args: unknown[]) => run('up')(args));
  program
    .command('down')
    .description("remove the stack's containers (data volumes are kept unless --volumes)")
    .option('--volumes', 'also remove the data volumes')
    .option('--json', JSON_HELP)
    .action((...args: unknown[]) => run('down')(args));
  program
    .command('stop')
    .description('stop the stack in dependency order')
    .addOption(json())
    .action((...args: unknown[]) => run('stop')(args));
  program
    .command('start')
    .description('start the stack in dependency order (creates it when missing)')
    .addOption(json())
    .action((...args: unknown[]) => run('start')(args));
  program
    .command('restart')
    .description("restart one service's containers, one replica at a time")
    .addArgument(serviceArgument())
    .addOption(json())
    .action((...args: unknown[]) => run('restart')(args));
  program
    .command('status')
    .description('containers with state, health, ports, uptime; whether the stack reaches Ollama')
    .option('--json', JSON_HELP)
    .option('-w, --watch', 'redraw until Ctrl-C (not on a terminal: print on every change)')
    .option('--interval <seconds>', 'seconds between readings with --watch (0.5–3600, default 2)', nonNegativeNumber)
    .action((...args: unknown[]) => run('status')(args));
  program
    .command('logs')
    .description("a service's logs (all replicas), or one request's lines in every service (--request-id)")
    .addArgument(new Command().createArgument('[service]', 'the service').choices(SERVICES))
    .option('-f, --follow', 'keep printing new lines')
    .option('--tail <n>', 'lines from the end', nonNegativeInt, 100)
    .option('--request-id <id>', "one request's log lines in nginx and the gateways (the x-request-id of its answer)")
    .option('--json', 'with --request-id: one JSON object per line ({type, time, container, service, entry})')
    .action((...args: unknown[]) => run('logs')(args));
  program
    .command('events')
    .description("follow the stack's start / die / health events")
    .addOption(json())
    .action((...args: unknown[]) => run('events')(args));
}

function serviceArgument() {
  return new Command().createArgument('<service>', 'the service').choices(SERVICES);
}

function addBackup(program: Command): void {
  const mode = () =>
    new Option('--mode <mode>', "which database (default: the settings' mode; auto = the stack when it runs)").choices([
      'stack',
      'embedded',
    ]);
  program
    .command('backup')
    .description("back up the stack's PostgreSQL (pg_dump in its container) or the embedded SQLite, checksummed")
    .option('--to <file>', 'where to write it (default: backups/ in the data folder, named by mode and time)')
    .addOption(mode())
    .option('--json', 'print the backup record as JSON')
    .action(async (opts) => (await import('./backup-command.js')).runBackup(opts));
  program
    .command('restore')
    .description("replace the database with a backup's (the file is verified first; a bad one changes nothing)")
    .argument('<file>', 'a .llmgw-backup file')
    .addOption(mode())
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts) => (await import('./backup-command.js')).runRestore(file, opts));
}

function addDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check this machine: Docker Engine and Compose, Ollama (installed, reachable from here and from the stack, ' +
        'models), ports, data folder and secrets, embedded database, clock; exit code 0 only when all pass',
    )
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const doctor = await import('./doctor-command.js');
      process.exitCode = await doctor.runDoctorCommand({ json: opts.json ?? false });
    });
}

function addReadiness(program: Command): void {
  program
    .command('readiness')
    .description('run the readiness checks against a gateway (the stack on :3000 by default)')
    .option('--url <url>', 'the gateway URL', 'http://127.0.0.1:3000')
    .option('--key <key>', 'an API key to use (default: temporary keys)')
    .option('--admin-token <token>', 'the admin token (default: ADMIN_TOKEN or the stack’s)')
    .option('--model <name>', 'the model to test with')
    .option('--only <ids>', 'run only these checks (comma-separated; see --list)', commaList)
    .option('--skip <ids>', 'skip these checks', commaList)
    .option('--json', 'print the report as JSON')
    .option('--junit <file>', 'write a JUnit report')
    .option('--failover', 'include the opt-in failover check')
    .option('--database-url <url>', 'PostgreSQL of the gateway (usage checks)')
    .option('--database-schema <name>', 'its schema')
    .option('--redis-url <url>', 'Redis of the gateway')
    .option('--origin <origin>', 'a browser origin to test CORS with')
    .option('--replicas <n>', 'replicas expected behind the URL', positiveInt)
    .option('--max-body-bytes <n>', "the gateway's body limit", positiveInt)
    .option('--timeout <seconds>', 'per-check timeout', positiveInt)
    .option('--history <file>', 'history file (default in the data folder)')
    .option('--no-history', 'do not keep this run in the history')
    .option('--list', 'list the checks and exit')
    .action(async (opts) => (await import('./readiness-command.js')).runReadinessCommand(opts));
}

function serveOptions(cmd: Command): Command {
  return cmd
    .option('--port <n>', 'the port', portNumber, 3131)
    .option('--host <host>', 'the address to listen on', '127.0.0.1')
    .option('--start', 'start the gateway (stack, or embedded without Docker) right away');
}

function addServe(program: Command): void {
  serveOptions(
    program
      .command('serve')
      .description('the dashboard in a browser (no desktop needed); prints its URL with the access token'),
  ).action(async (opts) => (await import('./serve-command.js')).runServe(opts));
  serveOptions(
    program.command('start-app').description('the tray app; falls back to `serve --start` where Electron cannot start'),
  ).action(async (opts) => (await import('./start-command.js')).runStartApp(opts));
}

function addCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script: `source <(llm-gateway completion bash)`')
    .addArgument(new Command().createArgument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { completionScript } = await import('./completion.js');
      process.stdout.write(completionScript(shell, program));
    });
}

/** Adds every command to the root program, in the order help lists them. */
export function addCommands(program: Command): void {
  addGateway(program);
  addModels(program);
  addKeys(program);
  addUsage(program);
  addStack(program);
  addBackup(program);
  addDoctor(program);
  addReadiness(program);
  addServe(program);
  addCompletion(program);
}
