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
  /** Restore refused a file (corrupt, truncated, not a backup, the other mode's): nothing was changed. */
  backup_invalid: {
    exit: 6,
    hint: 'Nothing was changed. Pick another backup file, or make a new one with `llm-gateway backup`.',
  },
  /** Restore refused because a gateway runs on the database: nothing was changed. */
  restore_refused: {
    exit: 7,
    hint: 'Nothing was changed. Stop the gateway that uses the database, then restore again.',
  },
  /** A backup or restore that started and failed (pg_dump/pg_restore error, disk full). */
  backup_failed: {
    exit: 8,
    hint: 'See the message above; the backup file or database named there was left as it was.',
  },
  /** Ctrl-C: 128 + SIGINT, as shells report an interrupted command. */
  interrupted: { exit: 130, hint: 'Run the same command again to resume.' },
} as const satisfies Record<string, { exit: number; hint: string }>);

export type CliErrorCode = keyof typeof CLI_ERRORS;

export class CliError extends codedError('CliError', CLI_ERRORS) {
  /** A next step more precise than the table's (a usage error names the command's own usage). */
  readonly next: string | undefined;

  constructor(code: CliErrorCode, message: string, options: { cause?: unknown; next?: string } = {}) {
    super(code, message, options);
    this.next = options.next;
  }

  get exitCode(): number {
    return this.entry.exit;
  }

  /** The message plus the next step, for stderr. */
  render(): string {
    return `llm-gateway: ${this.message}\n${this.next ?? this.entry.hint}`;
  }
}
