// ACCESS_LOG=true: one JSON line per request with the caller's request id (nginx's X-Request-Id in the stack), the
// route, status, timings and the key's id — never the key, the query string or the body. Off by default.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/src/server.js';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';

/** A real pino logger writing into an array of parsed lines. */
function capturingLogger(level = 'info'): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level }, sink), lines };
}

describe.each(BACKENDS)('access log (%s)', (kind) => {
  let h: Harness | undefined;
  let extra: Gateway | undefined;
  afterEach(async () => {
    await extra?.close();
    await h?.close();
    h = extra = undefined;
  });

  const chat = (url: string, key: string, requestId: string) =>
    fetch(`${url}/v1/chat/completions?secret=query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ model: h!.upstream.models[0]!.name, messages: [{ role: 'user', content: 'private' }] }),
    });

  it('logs one line per request naming the request id, route, status and key id — not the key, query or body', async () => {
    h = await startHarness({ kind });
    const { id, key } = await h.createKey();
    const { log, lines } = capturingLogger();
    extra = await startGateway(h.config({ ACCESS_LOG: 'true', LOG_LEVEL: 'info' }), { log });
    const ok = await chat(extra.url, key, 'req-ok-1');
    expect(ok.status).toBe(200);
    await ok.text();
    const bad = await chat(extra.url, 'llmgw_' + '0'.repeat(64), 'req-bad-1');
    expect(bad.status).toBe(401);
    await bad.text();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the line is written when the response closes

    const access = lines.filter((line) => line.msg === 'request');
    const served = access.find((line) => line.requestId === 'req-ok-1');
    expect(served).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      route: '/v1/chat/completions',
      status: 200,
      keyId: id,
      completed: true,
    });
    expect(typeof served!.ms).toBe('number');
    expect(typeof served!.upstreamMs).toBe('number');
    expect(access.find((line) => line.requestId === 'req-bad-1')).toMatchObject({ status: 401, keyId: null });
    const text = JSON.stringify(access);
    expect(text).not.toContain(key);
    expect(text).not.toContain('secret=query');
    expect(text).not.toContain('private');
  });

  it('is written at LOG_LEVEL=warn too (the stack may run so), and not at LOG_LEVEL=silent', async () => {
    h = await startHarness({ kind });
    const { key } = await h.createKey();
    for (const [level, expected] of [
      ['warn', 1],
      ['silent', 0],
    ] as const) {
      const { log, lines } = capturingLogger(level);
      extra = await startGateway(h.config({ ACCESS_LOG: 'true', LOG_LEVEL: level }), { log });
      await (await chat(extra.url, key, `req-${level}`)).text();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines.filter((line) => line.msg === 'request' && line.requestId === `req-${level}`)).toHaveLength(
        expected,
      );
      await extra.close();
      extra = undefined;
    }
  });

  it('is off by default', async () => {
    h = await startHarness({ kind });
    const { key } = await h.createKey();
    const { log, lines } = capturingLogger();
    extra = await startGateway(h.config({ LOG_LEVEL: 'info' }), { log });
    await (await chat(extra.url, key, 'req-quiet')).text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines.filter((line) => line.msg === 'request')).toEqual([]);
  });
});
