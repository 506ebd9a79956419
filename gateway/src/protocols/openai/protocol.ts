// The OpenAI protocol (/v1/* except /v1/messages): errors in OpenAI's envelope, mid-stream errors as a final
// `data:` event carrying that envelope (the openai SDK raises an APIError for an event with an `error` field).
import type { GatewayError } from '../../errors.js';
import type { Protocol } from '../types.js';

export const openaiProtocol: Protocol = {
  name: 'openai',
  renderError(error: GatewayError) {
    return { status: error.status, body: error.toEnvelope(), headers: error.headers };
  },
  streamError(error: GatewayError) {
    return `data: ${JSON.stringify(error.toEnvelope())}\n\n`;
  },
};

/**
 * The Responses API's stream error: an `error` event (type, code, message, param as OpenAI documents it) that
 * also carries the envelope under `error`, which is what makes the openai SDK's stream throw a typed APIError.
 */
export function responsesStreamError(error: GatewayError): string {
  const envelope = error.toEnvelope();
  const data = {
    type: 'error',
    code: envelope.error.code,
    message: error.message,
    param: envelope.error.param,
    ...envelope,
  };
  return `event: error\ndata: ${JSON.stringify(data)}\n\n`;
}

export const responsesProtocol: Protocol = { ...openaiProtocol, streamError: responsesStreamError };
