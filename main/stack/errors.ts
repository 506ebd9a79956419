// The stack controller's error table: every failure has a code, says what went wrong and what to do next.
// The CLI renders `message` + `next`; the app can switch on `code` (e.g. offer embedded mode on no_engine).

export const STACK_ERRORS = {
  no_engine: {
    exit: 10,
    next: 'Start Docker (Docker Desktop, `sudo systemctl start docker`, or Podman with its Docker socket), or set DOCKER_HOST. Without Docker, run the gateway embedded: `llm-gateway gateway`.',
  },
  no_compose: {
    exit: 11,
    next: 'Install Docker Compose v2.20 or newer (`docker compose version` must work; Docker Desktop includes it; on Linux install the docker-compose-plugin package), or run the gateway embedded: `llm-gateway gateway`.',
  },
  port_in_use: {
    exit: 12,
    next: 'Stop the program that uses the port, or choose another one in stack.env (LLMGW_PORT, POSTGRES_PORT, REDIS_PORT).',
  },
  compose_failed: {
    exit: 13,
    next: 'Read the compose output above; `llm-gateway status` and `llm-gateway logs <service>` show what failed.',
  },
  not_created: { exit: 14, next: 'Create the stack first with `llm-gateway up`.' },
  unknown_service: {
    exit: 15,
    next: 'Use one of: nginx, api-gateway, postgres, redis, ollama-forwarder (`llm-gateway status` lists them).',
  },
  unhealthy: {
    exit: 16,
    next: 'See why with `llm-gateway logs <service>`; fix it and run `llm-gateway start` again.',
  },
  env_file: {
    exit: 17,
    next: 'Check that LLMGW_HOME points to a folder you can write, and that stack.env there is readable by you only (chmod 600).',
  },
  engine_failed: { exit: 18, next: 'Check that Docker is healthy (`docker info`) and retry.' },
} as const;

export type StackErrorCode = keyof typeof STACK_ERRORS;

export class StackError extends Error {
  constructor(
    readonly code: StackErrorCode,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'StackError';
  }

  get next(): string {
    return STACK_ERRORS[this.code].next;
  }

  get exitCode(): number {
    return STACK_ERRORS[this.code].exit;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, next: this.next, ...(this.detail ? { detail: this.detail } : {}) };
  }
}
