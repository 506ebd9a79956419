// The protocols' public entry point: every relayed endpoint, and which protocol a path speaks (for errors).
import type { Endpoint, Protocol } from './types.js';
import { OPENAI_ENDPOINTS } from './openai/endpoints.js';
import { ANTHROPIC_ENDPOINTS } from './anthropic/endpoints.js';
import { OLLAMA_ENDPOINTS } from './ollama/endpoints.js';
import { openaiProtocol } from './openai/protocol.js';
import { anthropicProtocol } from './anthropic/protocol.js';
import { ollamaProtocol } from './ollama/protocol.js';

export type { Endpoint, Protocol, ProtocolName, StreamReader, Usage } from './types.js';

export const ENDPOINTS: readonly Endpoint[] = [...OPENAI_ENDPOINTS, ...ANTHROPIC_ENDPOINTS, ...OLLAMA_ENDPOINTS];

/** The protocol a path's clients speak, so every error (even a 404) comes in an envelope their SDK reads. */
export function protocolFor(path: string): Protocol {
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return anthropicProtocol;
  if (path.startsWith('/api/') || path === '/api' || path === '/') return ollamaProtocol;
  return openaiProtocol;
}

export { openaiProtocol, anthropicProtocol, ollamaProtocol };
