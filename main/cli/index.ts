// The `llm-gateway` command line: one entry for the gateway service and the control-plane commands.
// Every command's module is loaded on demand: `llm-gateway gateway` then loads only the gateway (the control plane,
// the readiness suite and the Docker client would add start-up time and resident memory to every replica).
import { CliError } from './errors.js';
import { failureOf } from './exit.js';

const STACK_HELP = `  up | down | stop | start | restart <service> | status | logs <service> | events
                          The Docker stack (see compose/README.md); \`llm-gateway help stack\` for details`;

async function help(): Promise<string> {
  const [{ DOCTOR_HELP }, { READINESS_HELP }, { SERVE_HELP }, { START_HELP }] = await Promise.all([
    import('./doctor-command.js'),
    import('./readiness-command.js'),
    import('./serve-command.js'),
    import('./start-command.js'),
  ]);
  return `llm-gateway <command>

Commands:
  gateway                 Run the gateway (configured by environment variables; see README "Configuration")
  keys create --name N    Create an API key [--models a,b] [--rpm N] [--tpm N] [--max-concurrent N] [--expires-in-days N] [--json]
  keys list [--json]      List keys (prefix, status, name)
  keys revoke <id>        Revoke a key
${STACK_HELP}
${DOCTOR_HELP}
${READINESS_HELP}
${SERVE_HELP}
${START_HELP}
  help                    Show this help`;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'gateway': {
      // The gateway's own command (the image runs it without this CLI); its coded errors exit through CLI_ERRORS.
      const gateway = await import('../../gateway/src/index.js');
      return gateway.runGateway().catch((err: unknown) => {
        throw err instanceof gateway.GatewayCliError ? new CliError(err.code, err.message) : err;
      });
    }
    case 'keys':
      return (await import('./keys-command.js')).runKeys(args);
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
    case 'doctor': {
      const doctor = await import('./doctor-command.js');
      process.exitCode = await doctor.runDoctorCommand(doctor.parseDoctorArgs(args));
      return;
    }
    case 'readiness':
      return (await import('./readiness-command.js')).runReadinessCommand(args);
    case 'serve':
      return (await import('./serve-command.js')).runServe(args);
    case 'start-app':
      return (await import('./start-command.js')).runStartApp(args);
    case 'help':
      if (args[0] === 'stack') {
        console.log((await import('./stack-commands.js')).STACK_HELP);
        return;
      }
      console.log(await help());
      return;
    case undefined:
    case '--help':
    case '-h':
      console.log(await help());
      return;
    default:
      throw new CliError('usage', `Unknown command '${command}'.`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const failure = failureOf(err);
  if (failure) {
    console.error(failure.text);
    process.exit(failure.exit);
  }
  console.error(`llm-gateway: unexpected error: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
