// The errors `llm-gateway gateway` can end with, each with its exit code and what to do next. The CLI's own table
// (main/cli/errors.ts) includes these entries, so a code exits the same way whichever entry ran it (CLI or image).
import { codedError, defineErrors } from '../../../common/define-errors.js';

export const GATEWAY_CLI_ERRORS = defineErrors({
  config: { exit: 2, hint: 'Fix the environment variable named above (see the README, "Configuration").' },
  port_in_use: { exit: 3, hint: 'Stop whatever uses the port, or pick another one with PORT=<n>.' },
  store_unreachable: {
    exit: 4,
    hint: 'Check DATABASE_URL and that PostgreSQL is running, or unset DATABASE_URL to use embedded SQLite.',
  },
} as const satisfies Record<string, { exit: number; hint: string }>);

export type GatewayCliErrorCode = keyof typeof GATEWAY_CLI_ERRORS;

export class GatewayCliError extends codedError('GatewayCliError', GATEWAY_CLI_ERRORS) {
  get exitCode(): number {
    return this.entry.exit;
  }

  /** The message plus the next step, for stderr. */
  render(): string {
    return `llm-gateway: ${this.message}\n${this.entry.hint}`;
  }
}
