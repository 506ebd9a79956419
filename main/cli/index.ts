// The `llm-gateway` command line: one entry for the gateway service and the control-plane commands.
import { CliError } from './errors.js';
import { runGateway } from './gateway-command.js';
import { runKeys } from './keys-command.js';
import { READINESS_HELP, runReadinessCommand } from './readiness-command.js';
import { runServe, SERVE_HELP } from './serve-command.js';
import { runStartApp, START_HELP } from './start-command.js';

// The stack commands are loaded on demand: their Docker client is not needed to run a gateway.
const STACK_HELP = `  up | down | stop | start | restart <service> | status | logs <service> | events
                          The Docker stack (see compose/README.md); \`llm-gateway help stack\` for details`;

const HELP = `llm-gateway <command>

Commands:
  gateway                 Run the gateway (configured by environment variables; see README "Configuration")
  keys create --name N    Create an API key [--models a,b] [--rpm N] [--tpm N] [--expires-in-days N] [--json]
  keys list [--json]      List keys (prefix, status, name)
  keys revoke <id>        Revoke a key
${STACK_HELP}
${READINESS_HELP}
${SERVE_HELP}
${START_HELP}
  help                    Show this help`;

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'gateway':
      return runGateway();
    case 'keys':
      return runKeys(args);
    case 'up':
    case 'down':
    case 'stop':
    case 'start':
    case 'restart':
    case 'status':
    case 'logs':
    case 'events': {
      const stack = await import('./stack-commands.js');
      return stack.runStack(command, args);
    }
    case 'readiness':
      return runReadinessCommand(args);
    case 'serve':
      return runServe(args);
    case 'start-app':
      return runStartApp(args);
    case 'help':
      if (args[0] === 'stack') {
        console.log((await import('./stack-commands.js')).STACK_HELP);
        return;
      }
      console.log(HELP);
      return;
    case undefined:
    case '--help':
    case '-h':
      console.log(HELP);
      return;
    default:
      throw new CliError('usage', `Unknown command '${command}'.`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof CliError) {
    console.error(err.render());
    process.exit(err.exitCode);
  }
  console.error(`llm-gateway: unexpected error: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
