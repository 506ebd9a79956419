// The CLI's one exit-code mapping: every coded error any command can end with (the CLI's own, the gateway
// command's, the stack's, serve's, the readiness suite's, the control plane's) → the exit code and the two lines
// for stderr (what happened, what to do next). Commands print and exit through this, never with their own numbers.
import { ControlError } from '../control/errors.js';
import { ReadinessError } from '../readiness/errors.js';
import { ServeError } from '../serve/errors.js';
import { StackError } from '../stack/errors.js';
import { CLI_ERRORS, CliError } from './errors.js';

export interface CliFailure {
  exit: number;
  /** "llm-gateway: <message>\n<next step>" */
  text: string;
}

/** serve's start-up refusals: a bad option is a usage error like the CLI's own (2), anything else 3. */
const SERVE_EXIT: Partial<Record<ServeError['code'], number>> = { bad_option: 2 };

/** The control plane's refusals that mean the same as the CLI's own codes; every other one is 1 (it failed). */
const CONTROL_EXIT: Partial<Record<ControlError['code'], number>> = {
  invalid_input: CLI_ERRORS.usage.exit,
  model_not_found: CLI_ERRORS.not_found.exit,
  pull_not_found: CLI_ERRORS.not_found.exit,
  backup_invalid: CLI_ERRORS.backup_invalid.exit,
  backup_wrong_kind: CLI_ERRORS.backup_invalid.exit,
  backup_refused_running: CLI_ERRORS.restore_refused.exit,
  backup_failed: CLI_ERRORS.backup_failed.exit,
};

export function failureOf(err: unknown): CliFailure | null {
  if (err instanceof CliError) return { exit: err.exitCode, text: err.render() };
  if (err instanceof StackError) return { exit: err.exitCode, text: `llm-gateway: ${err.message}\n${err.hint}` };
  if (err instanceof ServeError) return { exit: SERVE_EXIT[err.code] ?? 3, text: err.render() };
  if (err instanceof ReadinessError) return { exit: 2, text: `llm-gateway: ${err.message}\n${err.hint}` };
  if (err instanceof ControlError)
    return { exit: CONTROL_EXIT[err.code] ?? 1, text: `llm-gateway: ${err.message}\n${err.hint}` };
  return null;
}
