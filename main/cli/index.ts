// The `llm-gateway` command line: one entry for the gateway service and the control-plane commands. The commands
// and their options are defined once (commands.ts); each command's module is loaded on demand, so
// `llm-gateway gateway` loads only the gateway (the control plane, the readiness suite and the Docker client would
// add start-up time and resident memory to every replica).
import { failureOf } from './exit.js';
import { HelpShown, createProgram } from './program.js';

async function main(argv: string[]): Promise<void> {
  const program = createProgram();
  if (argv.length === 0) {
    program.outputHelp();
    return;
  }
  await program.parseAsync(argv, { from: 'user' });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof HelpShown) process.exit(err.exitCode);
  const failure = failureOf(err);
  if (failure) {
    console.error(failure.text);
    process.exit(failure.exit);
  }
  console.error(`llm-gateway: unexpected error: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
