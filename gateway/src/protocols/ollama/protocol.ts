// Ollama's native protocol (/api/*, GET /): `{"error":"..."}` with the gateway's status (Ollama's own clients read
// the message and the status); mid-stream errors are one final NDJSON line `{"error":"..."}`, as Ollama sends.
import type { GatewayError } from '../../errors.js';
import type { Protocol } from '../types.js';

export const ollamaProtocol: Protocol = {
  name: 'ollama',
  renderError(error: GatewayError) {
    return { status: error.status, body: { error: error.message }, headers: error.headers };
  },
  streamError(error: GatewayError) {
    return `${JSON.stringify({ error: error.message })}\n`;
  },
};
