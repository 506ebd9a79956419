// The root `llm-gateway` program: commander configured so every command's help and errors look alike. A user
// error (unknown option or command, missing argument, bad value) becomes one CliError('usage') line plus that
// command's usage line, exit 2; `--help`/`-h` on any command prints its generated help and exits 0.
import { Command, CommanderError } from 'commander';
import { addCommands } from './commands.js';
import { CLI_ERRORS, CliError } from './errors.js';

/** Thrown (not exited) after help was printed, so the entry decides how the process ends. */
export class HelpShown extends Error {
  constructor(readonly exitCode: number) {
    super('help shown');
  }
}

/** "llm-gateway keys create [options] [name]" */
export function usageLine(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return `${names.join(' ')} ${cmd.usage()}`.trim();
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function failure(err: CommanderError, cmd: Command): Error {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return new HelpShown(0);
  // A command that needs a subcommand was run without one: its help went to stderr as the usage.
  if (err.code === 'commander.help') return new HelpShown(CLI_ERRORS.usage.exit);
  // One line: commander's "error: " prefix off, its suggestion kept on the same line, a full stop at the end.
  const text = err.message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.+)\?\)$/, ' (did you mean $1?)')
    .replace(/\.$/, '');
  const suffix = /\?\)$/.test(text) ? '' : '.';
  return new CliError('usage', `${text.charAt(0).toUpperCase()}${text.slice(1)}${suffix}`, {
    next: `Usage: ${usageLine(cmd)}\nRun \`${commandPath(cmd)} --help\` for ${cmd.parent ? 'its options' : 'the commands'}.`,
    cause: err,
  });
}

/** Applies the shared settings to `cmd` and, recursively, to its subcommands (added before this call). */
function configure(cmd: Command, out: { stdout: (s: string) => void; stderr: (s: string) => void }): void {
  cmd
    .helpOption('-h, --help', 'show this help')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, helpWidth: Math.min(process.stdout.columns || 100, 120) })
    .configureOutput({
      writeOut: out.stdout,
      writeErr: out.stderr,
      // The error is rendered once, by the entry, with the exit-code table's wording.
      outputError: () => undefined,
    })
    .exitOverride((err) => {
      throw failure(err, cmd);
    });
  for (const sub of cmd.commands) configure(sub, out);
}

export interface ProgramOutput {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export function createProgram(
  out: ProgramOutput = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  },
): Command {
  const program = new Command('llm-gateway')
    .description('LLM Gateway: the gateway, its Docker stack, Ollama models, keys and usage from the command line.')
    .addHelpCommand('help [command]', 'show help for a command')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok · 1 the operation failed · 2 usage or configuration error · 3 port in use ·
            4 store unreachable · 5 not found · 10-18 Docker stack · 130 interrupted (Ctrl-C).
            Details: README "Command line".
Every command takes -h/--help.`,
    );
  addCommands(program);
  configure(program, out);
  return program;
}
