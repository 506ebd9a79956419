// The gateway's error table: every failure a client can see, with its HTTP status and OpenAI envelope fields.
// Code throws GatewayError('<code>', message); http/respond.ts is the one place that turns it into a response,
// in the envelope of the protocol the route speaks (protocols/*/protocol.ts map these codes to their own shape).
// The table and the class come from the project's one error-table helper (common/define-errors.ts).
import { codedError, defineErrors } from '../../common/define-errors.js';

export const ERRORS = defineErrors({
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  missing_api_key: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
  invalid_api_key: { status: 401, type: 'invalid_request_error' },
  expired_api_key: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
  revoked_api_key: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
  invalid_admin_token: { status: 401, type: 'invalid_request_error' },
  admin_disabled: { status: 403, type: 'permission_error' },
  model_not_allowed: { status: 403, type: 'permission_error' },
  management_forbidden: { status: 403, type: 'permission_error' },
  ip_not_allowed: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  key_not_found: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  rate_limit_requests: { status: 429, type: 'requests', code: 'rate_limit_exceeded' },
  rate_limit_tokens: { status: 429, type: 'tokens', code: 'rate_limit_exceeded' },
  auth_throttled: { status: 429, type: 'requests', code: 'rate_limit_exceeded' },
  rate_limit_concurrency: { status: 429, type: 'concurrency', code: 'rate_limit_exceeded' },
  internal_error: { status: 500, type: 'api_error' },
  upstream_error: { status: 502, type: 'api_error' },
  upstream_unavailable: { status: 503, type: 'api_error' },
  service_unavailable: { status: 503, type: 'api_error' },
  gateway_busy: { status: 503, type: 'api_error', code: 'overloaded' },
  upstream_timeout: { status: 504, type: 'api_error' },
  stream_time_limit: { status: 504, type: 'api_error' },
} as const satisfies Record<string, { status: number; type: string; code?: string }>);

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class GatewayError extends codedError('GatewayError', ERRORS) {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  /** Extra response headers (retry-after, rate-limit state). */
  readonly headers: Record<string, string>;
  /** The upstream(s) at fault, for the log line only: the client's message names an upstream id, never a URL. */
  readonly upstreamUrl: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { param?: string; headers?: Record<string, string>; cause?: unknown; upstreamUrl?: string } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.status = this.entry.status;
    this.type = this.entry.type;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
    this.upstreamUrl = options.upstreamUrl;
  }

  /** The wire code: the table's explicit code where it has one, else the table key. */
  get wireCode(): string {
    const entry = this.entry;
    return 'code' in entry ? entry.code : this.code;
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.wireCode } };
  }
}

/** Anything thrown that is not a GatewayError becomes a 500 without leaking its message or stack. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('internal_error', 'The gateway hit an internal error; see its log for the request id.', {
    cause: err,
  });
}
