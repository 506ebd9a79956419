// The `llm-gateway` command line: one entry for the gateway service and the control-plane commands.
import { CliError } from './errors.js';
import { runGateway } from './gateway-command.js';
import { runKeys } from './keys-command.js';

const HELP = `llm-gateway <command>

Commands:
  gateway                 Run the gateway (configured by environment variables; see README "Configuration")
  keys create --name N    Create an API key [--models a,b] [--rpm N] [--tpm N] [--expires-in-days N] [--json]
  keys list [--json]      List keys (prefix, status, name)
  keys revoke <id>        Revoke a key
  help                    Show this help`;

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'gateway':
      return runGateway();
    case 'keys':
      return runKeys(args);
    case undefined:
    case 'help':
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
