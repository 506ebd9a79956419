import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { SERVICES } from './commands.js';
import { CliError } from './errors.js';
import { HelpShown, createProgram } from './program.js';

function run(argv: string[]): { error: unknown; out: string; err: string } {
  let out = '';
  let err = '';
  const program = createProgram({ stdout: (s) => (out += s), stderr: (s) => (err += s) });
  try {
    // Only help and user errors are exercised here: both end inside parse, before any action runs.
    program.parse(argv, { from: 'user' });
  } catch (error) {
    return { error, out, err };
  }
  return { error: undefined, out, err };
}

/** Every command path of the program, from its own definitions ("keys create", "up", …). */
function paths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => [[...prefix, c.name()], ...paths(c, [...prefix, c.name()])]);
}

const ALL = paths(createProgram());

describe('the command program', () => {
  it('defines the commands of issue 17 and the existing ones', () => {
    const names = ALL.map((p) => p.join(' '));
    for (const expected of [
      'gateway',
      'models list',
      'models pull',
      'models rm',
      'models show',
      'models ps',
      'keys create',
      'keys list',
      'keys show',
      'keys revoke',
      'keys rotate',
      'usage',
      'up',
      'down',
      'status',
      'logs',
      'readiness',
      'serve',
      'start-app',
      'completion',
      'backup',
      'restore',
    ])
      expect(names).toContain(expected);
  });

  it.each(ALL.flatMap((p) => [[[...p, '--help']], [[...p, '-h']]]))('%j prints its own help and exits 0', (argv) => {
    const { error, out } = run(argv);
    expect(error).toBeInstanceOf(HelpShown);
    expect((error as HelpShown).exitCode).toBe(0);
    expect(out.split('\n')[0]).toMatch(new RegExp(`^Usage: llm-gateway ${argv.slice(0, -1).join(' ')}(\\|\\w+)?( |$)`));
    expect(out).toContain('-h, --help');
  });

  it.each(ALL.map((p) => [p]))('%j refuses an unknown option in one line plus its usage (exit 2)', (path) => {
    const { error, err } = run([...path, '--no-such-flag']);
    expect(error).toBeInstanceOf(CliError);
    const cli = error as CliError;
    expect(cli.exitCode).toBe(2);
    // A command with subcommands reports the unknown option; a leaf the same.
    expect(cli.render().split('\n')).toEqual([
      "llm-gateway: Unknown option '--no-such-flag'.",
      expect.stringMatching(new RegExp(`^Usage: llm-gateway ${path.join(' ')} `)),
      `Run \`llm-gateway ${path.join(' ')} --help\` for its options.`,
    ]);
    expect(err).toBe(''); // commander's own error text is not printed as well
  });

  it('a missing argument, a bad value, an unknown choice and an unknown command are usage errors', () => {
    const message = (argv: string[]) => (run(argv).error as CliError).message;
    expect(message(['keys', 'show'])).toBe("Missing required argument 'id'.");
    expect(message(['keys', 'create', 'x', '--rpm', '0'])).toBe(
      "Option '--rpm <n>' argument '0' is invalid. It must be greater than 0.",
    );
    expect(message(['logs', 'web'])).toMatch(
      /^Command-argument value 'web' is invalid for argument 'service'\. Allowed choices are nginx, api-gateway/,
    );
    expect(message(['serve', '--port', '70000'])).toMatch(/It must be a port number/);
    expect(message(['modles'])).toBe("Unknown command 'modles' (did you mean models?)");
    expect((run(['usage', '--from', '2026-13-45']).error as CliError).exitCode).toBe(2);
  });

  it('a command group without its subcommand prints the group help as the usage, exit 2', () => {
    const { error, err } = run(['models']);
    expect(error).toBeInstanceOf(HelpShown);
    expect((error as HelpShown).exitCode).toBe(2);
    expect(err).toMatch(/^Usage: llm-gateway models \[options\] \[command\]/);
    expect(err).toMatch(/pull \[options\] <name> +download a model/);
  });

  it("offers exactly the Compose file's services to restart and logs", () => {
    const compose = readFileSync('compose/docker-compose.yml', 'utf8');
    const services = compose.slice(compose.indexOf('\nservices:'), compose.indexOf('\nvolumes:'));
    expect([...services.matchAll(/^ {2}([a-z][a-z0-9-]*):$/gm)].map((m) => m[1]).sort()).toEqual([...SERVICES].sort());
  });

  it('`help <command>` is the same help as `<command> --help`', () => {
    const viaHelp = run(['help', 'usage']);
    const viaFlag = run(['usage', '--help']);
    expect(viaHelp.out).toBe(viaFlag.out);
    expect(viaHelp.out).toMatch(/--from <when> +start: ISO date/);
  });
});
