// Issue 14: no error a client sees names an internal address. With OLLAMA_URLS pointing at distinctive URLs (a
// reachable test upstream and a host that does not resolve), every failure the upstream can produce — error
// answers, malformed bodies, broken and stalled streams, no upstream at all — is answered in the client's envelope
// (OpenAI, Anthropic, Ollama; whole and mid-stream) naming the upstream by its id (`upstream N`), never its URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import type { FailMode } from '../fixtures/ollama-upstream/behaviour.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startGateway } from '../../gateway/src/server.js';

const SECRET_HOST = 'ollama-internal-secret.invalid';

let upstream: OllamaUpstream;
let h: Harness;
let key: string;
let model: string;
let internal: string[];

beforeAll(async () => {
  upstream = await startOllamaUpstream();
  const { host, port } = new URL(upstream.url);
  // The reachable upstream listed second, so the one that answers is `upstream 2`.
  h = await startHarness({
    kind: 'embedded',
    upstream,
    env: { OLLAMA_URLS: `http://${SECRET_HOST}:11434,${upstream.url}`, UPSTREAM_IDLE_TIMEOUT_MS: 400 },
  });
  key = (await h.createKey({ rpm: 100_000 })).key;
  model = upstream.models[0]!.name;
  internal = [SECRET_HOST, host, `:${port}`, upstream.url];
});
afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

const ENDPOINTS = [
  {
    path: '/v1/chat/completions',
    body: (stream: boolean) => ({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
  },
  {
    path: '/v1/messages',
    body: (stream: boolean) => ({ model, stream, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
  },
  { path: '/api/chat', body: (stream: boolean) => ({ model, stream, messages: [{ role: 'user', content: 'hi' }] }) },
] as const;

const MODES: FailMode[] = [
  'http500',
  'http503',
  'malformed-json',
  'malformed-sse',
  'error-mid-stream',
  'stall-mid-stream',
  'reset',
];

async function call(url: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // A stream cut by the gateway may end the body with a network error after its error event: keep what came.
  let text = '';
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // the text read so far is what the client saw
  }
  return { status: response.status, text };
}

function expectNoInternalAddress(text: string): void {
  for (const needle of internal) expect(text).not.toContain(needle);
}

describe.each(ENDPOINTS)('$path', (endpoint) => {
  it.each(MODES.flatMap((mode) => [false, true].map((stream) => [mode, stream] as const)))(
    '%s (stream %s) names no internal URL',
    async (mode, stream) => {
      upstream.behaviour.failWith = mode;
      upstream.behaviour.failCount = 1;
      try {
        const { status, text } = await call(h.url, endpoint.path, endpoint.body(stream));
        expectNoInternalAddress(text);
        // Some modes only bite one way (a stream-only fault on a whole answer is a 200); whatever failed names
        // the upstream that answered by its id.
        if (status !== 200) expect(status).toBeGreaterThanOrEqual(500);
        if (/upstream \d/.test(text)) expect(text).toContain('upstream 2');
      } finally {
        upstream.behaviour.failWith = null;
        upstream.behaviour.failCount = 0;
      }
    },
  );
});

it('a gateway that reaches no upstream names only their ids', async () => {
  const dead = await startGateway(
    h.config({ OLLAMA_URLS: `http://${SECRET_HOST}:11434,http://127.0.0.1:9`, INSTANCE_ID: 'no-upstream' }),
  );
  try {
    for (const endpoint of ENDPOINTS) {
      for (const stream of [false, true]) {
        const { status, text } = await call(dead.url, endpoint.path, endpoint.body(stream));
        expect([503, 529]).toContain(status); // 529: Anthropic's overloaded_error
        expectNoInternalAddress(text);
        expect(text).not.toContain('127.0.0.1:9');
        expect(text).toContain('upstream 1');
        expect(text).toContain('upstream 2');
      }
    }
  } finally {
    await dead.close();
  }
});
