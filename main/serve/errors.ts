// The serve mode's error table: every refusal of the HTTP bridge (and every start-up failure) has a code, an HTTP
// status, a message saying what happened and a hint saying what to do. API refusals reach the page as
// BridgeResult errors, so the dashboard shows them with their hint like any control-plane error.
import { codedError, defineErrors } from '../../common/define-errors.js';
import type { ControlErrorData } from '../control/errors.js';

export const SERVE_ERRORS = defineErrors({
  token_missing: {
    status: 401,
    hint: 'Open the dashboard with the URL `llm-gateway serve` printed (it ends in #token=…).',
  },
  token_wrong: { status: 401, hint: 'The token changed when serve restarted: open the URL it printed last.' },
  bad_host: {
    status: 403,
    hint: 'Open the dashboard as http://127.0.0.1:<port> or http://localhost:<port>, or start serve with --host for that address.',
  },
  bad_origin: {
    status: 403,
    hint: 'Only the dashboard page itself may call its API; other sites and pages are refused.',
  },
  not_found: { status: 404, hint: 'The dashboard API is POST /api/op/<operation> and GET /api/events.' },
  method_not_allowed: { status: 405, hint: 'Operations are POST /api/op/<operation>; events are GET /api/events.' },
  body_too_large: { status: 413, hint: 'Operation inputs are small JSON objects (at most 1 MiB).' },
  bad_json: { status: 400, hint: 'Send the operation input as a JSON object (or an empty body).' },
  no_dashboard: { status: 503, hint: 'Build the dashboard first: `npm run build` (or `npm run build:renderer`).' },
  port_in_use: {
    status: 500,
    hint: 'Another program uses the port: pick another with --port <n> (or stop the other serve).',
  },
  bad_option: { status: 500, hint: 'Run `llm-gateway serve --help` for the options.' },
} as const satisfies Record<string, { status: number; hint: string }>);

export type ServeErrorCode = keyof typeof SERVE_ERRORS;

export class ServeError extends codedError('ServeError', SERVE_ERRORS) {
  readonly status: number;
  readonly hint: string;

  constructor(code: ServeErrorCode, message: string) {
    super(code, message);
    this.status = this.entry.status;
    this.hint = this.entry.hint;
  }

  /** As a bridge error: the page renders it like a control-plane error (code kept in detail.serveCode). */
  toBridgeError(): ControlErrorData {
    const code =
      this.status === 401 || this.status === 403
        ? 'forbidden_sender'
        : this.status === 400 || this.status === 413
          ? 'invalid_input'
          : 'internal';
    return { code, message: this.message, hint: this.hint, detail: { serveCode: this.code, status: this.status } };
  }

  /** For stderr. */
  render(): string {
    return `llm-gateway serve: ${this.message}\n${this.hint}`;
  }
}
