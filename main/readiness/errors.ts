// The readiness suite's error table: each coded failure says what went wrong and what to do next.
// Checks throw ReadinessError; the runner turns it into a failed result carrying the code and the hint (as the
// result's `fix`, the report's field).
import { codedError, defineErrors } from '../../common/define-errors.js';

export const READINESS_ERRORS = defineErrors({
  unreachable: {
    hint: 'Start the gateway (`llm-gateway up` for the stack, `npm start` for embedded mode) or pass the right --url.',
  },
  timeout: {
    hint: 'The gateway or a dependency answered too slowly; look at `llm-gateway status` and the gateway log.',
  },
  no_key: { hint: 'Pass --key llmgw_… or --admin-token (or set ADMIN_TOKEN) so the suite can create a temporary key.' },
  admin_refused: {
    hint: "The admin token was refused: pass the gateway's ADMIN_TOKEN (see $LLMGW_HOME/stack.env for the stack).",
  },
  admin_disabled: {
    hint: 'The gateway runs without ADMIN_TOKEN: restart it with ADMIN_TOKEN set, or pass an existing --key.',
  },
  key_refused: {
    hint: 'The API key was refused: check --key (revoked or expired?) or let the suite create one with --admin-token.',
  },
  no_chat_model: { hint: 'Pull a chat model into Ollama (e.g. `ollama pull llama3.2:1b`) or name one with --model.' },
  unknown_check: { hint: 'Use the ids or numbers shown by `llm-gateway readiness --list`.' },
  bad_options: { hint: 'Fix the option named above; `llm-gateway help` lists them.' },
  history_invalid: { hint: 'The history file was unreadable and has been reset; nothing else is affected.' },
} as const satisfies Record<string, { hint: string }>);

export type ReadinessErrorCode = keyof typeof READINESS_ERRORS;

export class ReadinessError extends codedError('ReadinessError', READINESS_ERRORS) {
  get hint(): string {
    return this.entry.hint;
  }
}

/** Turns a network error from fetch into a coded error naming the URL. */
export function networkError(url: string, err: unknown): ReadinessError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if ((err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError') {
    return new ReadinessError('timeout', `${url} did not answer in time.`, { cause: err });
  }
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new ReadinessError('unreachable', `${url} is not reachable (${why}).`, { cause: err });
}
