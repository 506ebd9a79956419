// The CLI's error table: every failure says what went wrong and what to do next, with a distinct exit code.
// config, port_in_use and store_unreachable are the gateway command's (gateway/src/cli/errors.ts); errors.test.ts
// holds them equal, so `llm-gateway gateway` exits alike from the CLI and from the image.

export const CLI_ERRORS = {
  usage: { exit: 2, next: 'Run `llm-gateway help` to see the commands and their options.' },
  config: { exit: 2, next: 'Fix the environment variable named above (see the README, "Configuration").' },
  port_in_use: { exit: 3, next: 'Stop whatever uses the port, or pick another one with PORT=<n>.' },
  store_unreachable: {
    exit: 4,
    next: 'Check DATABASE_URL and that PostgreSQL is running, or unset DATABASE_URL to use embedded SQLite.',
  },
  not_found: { exit: 5, next: 'List the keys with `llm-gateway keys list` to find the right id.' },
} as const;

export type CliErrorCode = keyof typeof CLI_ERRORS;

export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }

  get exitCode(): number {
    return CLI_ERRORS[this.code].exit;
  }

  /** The message plus the next step, for stderr. */
  render(): string {
    return `llm-gateway: ${this.message}\n${CLI_ERRORS[this.code].next}`;
  }
}
