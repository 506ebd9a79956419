// The Anthropic protocol (/v1/messages*): `{"type":"error","error":{"type","message"}}` with the statuses the
// Anthropic SDKs map to their typed errors (AuthenticationError 401, PermissionDeniedError 403, NotFoundError 404,
// RateLimitError 429, 529 overloaded, ...). Mid-stream errors are an `event: error` SSE event with that body.
import type { ErrorCode, GatewayError } from '../../errors.js';
import type { Protocol, RenderedError } from '../types.js';

type AnthropicType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

/** Every gateway error code in Anthropic's terms (a new code fails the typecheck until it is mapped here). */
const TABLE = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  missing_api_key: { status: 401, type: 'authentication_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  expired_api_key: { status: 401, type: 'authentication_error' },
  revoked_api_key: { status: 401, type: 'authentication_error' },
  invalid_admin_token: { status: 401, type: 'authentication_error' },
  admin_disabled: { status: 403, type: 'permission_error' },
  model_not_allowed: { status: 403, type: 'permission_error' },
  management_forbidden: { status: 403, type: 'permission_error' },
  ip_not_allowed: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'not_found_error' },
  key_not_found: { status: 404, type: 'not_found_error' },
  not_found: { status: 404, type: 'not_found_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'request_too_large' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  rate_limit_requests: { status: 429, type: 'rate_limit_error' },
  rate_limit_tokens: { status: 429, type: 'rate_limit_error' },
  auth_throttled: { status: 429, type: 'rate_limit_error' },
  rate_limit_concurrency: { status: 429, type: 'rate_limit_error' },
  internal_error: { status: 500, type: 'api_error' },
  upstream_error: { status: 502, type: 'api_error' },
  // Anthropic's "overloaded" (529) is what its SDKs retry with back-off: the right signal for a busy/down Ollama.
  upstream_unavailable: { status: 529, type: 'overloaded_error' },
  service_unavailable: { status: 529, type: 'overloaded_error' },
  gateway_busy: { status: 529, type: 'overloaded_error' },
  upstream_timeout: { status: 504, type: 'timeout_error' },
  stream_time_limit: { status: 504, type: 'timeout_error' },
} as const satisfies Record<ErrorCode, { status: number; type: AnthropicType }>;

export function anthropicError(error: GatewayError): RenderedError {
  const entry = TABLE[error.code];
  return {
    status: entry.status,
    body: { type: 'error', error: { type: entry.type, message: error.message } },
    headers: error.headers,
  };
}

export const anthropicProtocol: Protocol = {
  name: 'anthropic',
  renderError: anthropicError,
  streamError(error: GatewayError) {
    return `event: error\ndata: ${JSON.stringify(anthropicError(error).body)}\n\n`;
  },
};
