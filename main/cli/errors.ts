// The CLI's error table: every failure says what went wrong and what to do next, with a distinct exit code.
// config, port_in_use and store_unreachable are the gateway command's (gateway/src/cli/errors.ts); errors.test.ts
// holds them equal, so `llm-gateway gateway` exits alike from the CLI and from the image.
import { codedError, defineErrors } from '../../common/define-errors.js';

export const CLI_ERRORS = defineErrors({
  usage: { exit: 2, hint: 'Run `llm-gateway help` to see the commands and their options.' },
  config: { exit: 2, hint: 'Fix the environment variable named above (see the README, "Configuration").' },
  port_in_use: { exit: 3, hint: 'Stop whatever uses the port, or pick another one with PORT=<n>.' },
  store_unreachable: {
    exit: 4,
    hint: 'Check DATABASE_URL and that PostgreSQL is running, or unset DATABASE_URL to use embedded SQLite.',
  },
  not_found: { exit: 5, hint: 'List the keys with `llm-gateway keys list` to find the right id.' },
} as const satisfies Record<string, { exit: number; hint: string }>);

export type CliErrorCode = keyof typeof CLI_ERRORS;

export class CliError extends codedError('CliError', CLI_ERRORS) {
  get exitCode(): number {
    return this.entry.exit;
  }

  /** The message plus the next step, for stderr. */
  render(): string {
    return `llm-gateway: ${this.message}\n${this.entry.hint}`;
  }
}
