// Hostile and malformed input never gets past the edge: generated bodies (fast-check) and raw malformed HTTP
// get 4xx answers in the OpenAI envelope, nothing reaches the upstream, and the gateway keeps serving.
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';

describe('bad input', () => {
  let h: Harness;
  let key: string;

  beforeAll(async () => {
    h = await startHarness({ kind: 'embedded', env: { MAX_BODY_BYTES: 65536 } });
    key = (await h.createKey({ rpm: 100_000 })).key;
  });
  afterAll(() => h.close());

  it('answers generated malformed bodies with 4xx envelopes and sends none upstream', async () => {
    const model = h.upstream.models[0]!.name;
    const almostValid = fc.record(
      {
        model: fc.oneof(fc.constant(model), fc.string(), fc.integer(), fc.constant(null)),
        messages: fc.oneof(
          fc.constant([]),
          fc.array(fc.record({ role: fc.oneof(fc.integer(), fc.constant('')), content: fc.anything() })),
          fc.string(),
          fc.anything(),
        ),
        stream: fc.oneof(fc.boolean(), fc.string(), fc.integer()),
        max_tokens: fc.oneof(fc.integer({ max: 0 }), fc.double(), fc.string()),
      },
      { requiredKeys: [] },
    );
    const deep = fc.integer({ min: 1000, max: 5000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
    const body = fc.oneof(
      almostValid.map((value) => JSON.stringify(value)),
      fc.json(),
      fc.string(),
      deep,
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
    );
    h.upstream.reset();
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const response = await fetch(`${h.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: payload,
        });
        const text = await response.text();
        if (response.status === 200) return; // a generated body that happens to be a valid request
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        const envelope = JSON.parse(text) as { error: { message: string; type: string } };
        expect(envelope.error.type).toBe('invalid_request_error');
        expect(text).not.toMatch(/at \w+ \(|node_modules/); // no stack traces
      }),
      { numRuns: 300 },
    );
    expect(h.upstream.stats.requests['POST /v1/chat/completions'] ?? 0).toBeLessThan(5);
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
  });

  it('answers malformed HTTP with a 400 envelope and oversized headers with 431', async () => {
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(h.url);
        const socket = net.connect(Number(url.port), url.hostname, () => socket.write(request));
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
    const bad = await raw('GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(bad).toMatch(/^HTTP\/1.1 400/);
    expect(bad).toContain('"type":"invalid_request_error"');
    const huge = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1.1 431/);
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
  });
});
