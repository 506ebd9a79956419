// Which timeouts one relayed request gets, from how Ollama answers it: a non-streaming answer sends its headers
// only after the whole answer is generated (minutes on a CPU are normal); a stream sends headers with its first
// token; with `tools` Ollama holds output back until a tool call is complete, so a stream can be silent for minutes.
// A dead or wedged Ollama is still found quickly by the connect timeout, a closed socket and the health checks.
import type { GatewayConfig } from '../config.js';

export interface ExchangeTimeouts {
  /** Until the status line and headers (undici headersTimeout). */
  headersMs: number;
  /** Longest silence between body chunks (undici bodyTimeout). */
  bodyMs: number;
  /** The setting to raise when this request timed out (named in the 504's message). */
  setting: keyof GatewayConfig;
}

export interface ExchangeShape {
  stream: boolean;
  /** The request carries a non-empty `tools` list. */
  tools: boolean;
}

type TimeoutConfig = Pick<
  GatewayConfig,
  | 'UPSTREAM_FIRST_BYTE_TIMEOUT_MS'
  | 'UPSTREAM_RESPONSE_TIMEOUT_MS'
  | 'UPSTREAM_IDLE_TIMEOUT_MS'
  | 'UPSTREAM_TOOL_TIMEOUT_MS'
>;

export function exchangeTimeouts(config: TimeoutConfig, shape: ExchangeShape): ExchangeTimeouts {
  if (!shape.stream) {
    // The body follows the headers at once (Ollama writes it in one piece), so the idle timeout still guards it.
    return {
      headersMs: config.UPSTREAM_RESPONSE_TIMEOUT_MS,
      bodyMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
      setting: 'UPSTREAM_RESPONSE_TIMEOUT_MS',
    };
  }
  if (shape.tools) {
    const ms = config.UPSTREAM_TOOL_TIMEOUT_MS;
    return {
      headersMs: Math.max(ms, config.UPSTREAM_FIRST_BYTE_TIMEOUT_MS),
      bodyMs: Math.max(ms, config.UPSTREAM_IDLE_TIMEOUT_MS),
      setting: 'UPSTREAM_TOOL_TIMEOUT_MS',
    };
  }
  return {
    headersMs: config.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
    bodyMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
    setting: 'UPSTREAM_FIRST_BYTE_TIMEOUT_MS',
  };
}

/** Whether a request body asks for tools (an empty list does not change how Ollama answers). */
export function hasTools(body: Record<string, unknown>): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}
