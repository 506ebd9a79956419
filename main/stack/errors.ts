// The stack controller's error table: every failure has a code, says what went wrong and what to do next.
// The CLI renders `message` + `hint`; the app can switch on `code` (e.g. offer embedded mode on no_engine).
import { codedError, defineErrors } from '../../common/define-errors.js';

export const STACK_ERRORS = defineErrors({
  no_engine: {
    exit: 10,
    hint: 'Start Docker (Docker Desktop, `sudo systemctl start docker`, or Podman with its Docker socket), or set DOCKER_HOST. Without Docker, run the gateway embedded: `llm-gateway gateway`.',
  },
  no_compose: {
    exit: 11,
    hint: 'Install Docker Compose v2.20 or newer (`docker compose version` must work; Docker Desktop includes it; on Linux install the docker-compose-plugin package), or run the gateway embedded: `llm-gateway gateway`.',
  },
  port_in_use: {
    exit: 12,
    hint: 'Stop the program that uses the port, or choose another one in stack.env (LLMGW_PORT, POSTGRES_PORT, REDIS_PORT).',
  },
  compose_failed: {
    exit: 13,
    hint: 'Read the compose output above; `llm-gateway status` and `llm-gateway logs <service>` show what failed.',
  },
  not_created: { exit: 14, hint: 'Create the stack first with `llm-gateway up`.' },
  unknown_service: {
    exit: 15,
    hint: 'Use one of: nginx, api-gateway, postgres, redis, ollama-forwarder (`llm-gateway status` lists them).',
  },
  unhealthy: {
    exit: 16,
    hint: 'See why with `llm-gateway logs <service>`; fix it and run `llm-gateway start` again.',
  },
  env_file: {
    exit: 17,
    hint: 'Check that LLMGW_HOME points to a folder you can write, and that stack.env there is readable by you only (chmod 600).',
  },
  engine_failed: { exit: 18, hint: 'Check that Docker is healthy (`docker info`) and retry.' },
  invalid_setting: {
    exit: 20,
    hint: 'Fix the named setting in stack.env, the environment or the app settings (README "TLS", "IP allow-lists").',
  },
  tls_certificate: {
    exit: 19,
    hint: 'Give a readable PEM certificate (chain) and its matching unencrypted PEM private key (settings tls.certFile / tls.keyFile, or `up --tls-cert FILE --tls-key FILE`), or leave both unset for a locally generated certificate.',
  },
  swarm_inactive: {
    exit: 21,
    hint: 'Make this Engine a Swarm manager first (`docker swarm init --advertise-addr <this host>`), or run `llm-gateway up` without --swarm for the Compose stack.',
  },
  swarm_failed: {
    exit: 22,
    hint: 'Read the output above; `docker service ps llm-gateway_<service> --no-trunc` shows why a task failed, `llm-gateway logs <service>` its logs.',
  },
  swarm_unsupported: {
    exit: 23,
    hint: 'On a Swarm deployment use `llm-gateway up --swarm --replicas N` to scale, `docker service update --force llm-gateway_<service>` to restart, `llm-gateway down` to remove.',
  },
} as const satisfies Record<string, { exit: number; hint: string }>);

export type StackErrorCode = keyof typeof STACK_ERRORS;

export class StackError extends codedError('StackError', STACK_ERRORS) {
  constructor(
    code: StackErrorCode,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(code, message);
  }

  get hint(): string {
    return this.entry.hint;
  }

  get exitCode(): number {
    return this.entry.exit;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, ...(this.detail ? { detail: this.detail } : {}) };
  }
}
