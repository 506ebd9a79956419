// The control plane's error table and the error value that crosses every bridge (IPC, HTTP, CLI): a code from
// this table, a message saying what happened and a hint saying what to do next — plain JSON on the wire.
import { codedError, defineErrors } from '../define-errors.js';

export const CONTROL_ERRORS = defineErrors({
  invalid_input: { hint: 'Fix the field named in the message and try again.' },
  unknown_operation: { hint: 'Use one of the operations the control plane lists.' },
  forbidden_sender: { hint: 'Only the dashboard window may call the app; reload it from the tray.' },
  pull_in_progress: { hint: 'That model is already being pulled; wait for it or cancel it first.' },
  pull_not_found: { hint: 'No pull of that model is running or queued.' },
  bad_model_name: { hint: 'Give a model name like `llama3.2:1b`, or paste `ollama pull NAME` / `ollama run NAME`.' },
  model_not_found: { hint: 'The model is not installed in Ollama; `Models` lists the installed ones.' },
  pull_failed: {
    hint: 'Check the model name on ollama.com/library and that Ollama can reach the internet, then pull again (it resumes).',
  },
  ollama_unreachable: { hint: 'Start Ollama (`ollama serve`, or the app) or set the Ollama URL in the settings.' },
  ollama_error: { hint: 'Ollama refused the request; its message is above.' },
  ollama_not_running: {
    hint: 'Start Ollama on this computer: `ollama serve` (or `sudo systemctl start ollama` on Linux, or the Ollama app on macOS/Windows). It needs no other setting: the stack reaches 127.0.0.1:11434.',
  },
  ollama_forwarder_down: {
    hint: 'Run `llm-gateway up` (it recreates the ollama-forwarder service); `llm-gateway logs ollama-forwarder` shows why it stopped.',
  },
  ollama_unreachable_from_stack: {
    hint: 'Set OLLAMA_URLS in stack.env to an address the containers can reach (e.g. http://<this host LAN IP>:11434 with Ollama listening there), then run `llm-gateway up`.',
  },
  gateway_unreachable: { hint: 'Start the stack or embedded mode first; the gateway answers on the configured port.' },
  stack_not_running: {
    hint: 'Start the stack (Start in the tray, or `llm-gateway up`); `llm-gateway status` shows its containers. If another program holds the gateway port, stop it or choose another port in the settings.',
  },
  no_admin_token: {
    hint: 'The admin token is not known yet: start the stack or embedded mode once so it is generated.',
  },
  admin_refused: {
    hint: "The gateway refused the admin token; the vault's token does not match the running gateway's ADMIN_TOKEN.",
  },
  key_not_found: { hint: 'No key with that id; list the keys to see which exist.' },
  key_not_in_vault: {
    hint: 'Only keys created by this app keep their plaintext; rotate the key to get a copy you can use.',
  },
  gateway_error: { hint: 'The gateway answered with an error; its message is above.' },
  vault_error: {
    hint: 'Check that the vault file in LLMGW_HOME is readable by you only (0600) or remove it to start over.',
  },
  settings_error: { hint: 'The settings file could not be written; check that LLMGW_HOME is writable.' },
  no_engine: { hint: 'Start Docker, or switch to embedded mode in the settings (it needs no Docker).' },
  stack_error: { hint: 'See the message; `llm-gateway status` and `llm-gateway logs <service>` show more.' },
  embedded_failed: {
    hint: 'Another program may use the port; choose another gateway port in the settings or stop that program.',
  },
  wrong_mode: { hint: 'Switch the mode in the settings (stack / embedded / auto).' },
  readiness_busy: { hint: 'A readiness run is already going; wait for it to finish.' },
  readiness_error: { hint: 'See the message; the readiness suite explains each failed check.' },
  backup_invalid: {
    hint: 'Nothing was changed. Pick another backup file (`ls` the backups folder in LLMGW_HOME) or make a new one with `llm-gateway backup`.',
  },
  backup_wrong_kind: {
    hint: 'Nothing was changed. Restore a PostgreSQL backup with `--mode stack` and a SQLite backup with `--mode embedded`.',
  },
  backup_refused_running: {
    hint: 'Nothing was changed. Stop the embedded gateway first (Stop in the tray, or end `llm-gateway serve`), then run the restore again.',
  },
  backup_failed: {
    hint: 'See the message; `llm-gateway status` shows whether the stack runs, `llm-gateway doctor` checks the embedded database.',
  },
  internal: { hint: 'This is a bug; the logs folder has details.' },
} as const satisfies Record<string, { hint: string }>);

export type ControlErrorCode = keyof typeof CONTROL_ERRORS;

/** What crosses a bridge: plain JSON, so the renderer and HTTP clients get the same code, message and hint. */
export interface ControlErrorData {
  code: ControlErrorCode;
  message: string;
  hint: string;
  detail?: Record<string, unknown>;
}

export class ControlError extends codedError('ControlError', CONTROL_ERRORS) {
  readonly hint: string;

  constructor(
    code: ControlErrorCode,
    message: string,
    readonly detail?: Record<string, unknown>,
    options: { cause?: unknown; hint?: string } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.hint = options.hint ?? this.entry.hint;
  }

  toJSON(): ControlErrorData {
    return { code: this.code, message: this.message, hint: this.hint, ...(this.detail ? { detail: this.detail } : {}) };
  }

  /** Rebuilds the error on the far side of a bridge. */
  static fromJSON(data: ControlErrorData): ControlError {
    return new ControlError(data.code, data.message, data.detail, { hint: data.hint });
  }
}

export function isControlErrorData(value: unknown): value is ControlErrorData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    v.code in CONTROL_ERRORS &&
    typeof v.message === 'string' &&
    typeof v.hint === 'string'
  );
}
