// The per-protocol checks (15 Responses, 16 Anthropic Messages, 17 Ollama native): they pass against the real
// gateway on both store backends (with its Ollama-compatible upstream), and each really fails when its condition
// is broken — shown with a small HTTP server that speaks the three protocols correctly unless told to break one thing.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, startHarness } from '../../test/support/harness.js';
import { runReadiness } from './runner.js';
import type { CheckResult } from './types.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const PROTOCOL_CHECKS = ['responses', 'messages', 'ollama-native'];

type Flaw =
  | 'responses-no-completed'
  | 'responses-no-usage'
  | 'messages-no-stop'
  | 'messages-openai-envelope'
  | 'messages-bearer-only'
  | 'tags-unfiltered'
  | 'native-no-counts'
  | 'native-buffered-json';

const KEY = 'llmgw_good';
const MODEL = 'tiny:1b';
const sse = (res: ServerResponse, events: Array<[string, object]>) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const [event, data] of events)
    res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  res.end();
};

/** Answers the three protocols the way Ollama (through the gateway) does, but for the one `flaw`. */
function protocolServer(flaw: Flaw | null) {
  return (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const bearerOk = req.headers.authorization === `Bearer ${KEY}`;
      const json = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url === '/v1/responses') {
        const usage =
          flaw === 'responses-no-usage' ? undefined : { input_tokens: 5, output_tokens: 3, total_tokens: 8 };
        const response = {
          id: 'resp_1',
          object: 'response',
          status: 'completed',
          output: [
            { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello there friend' }] },
          ],
          usage,
        };
        if (body.stream !== true) return json(200, response);
        return sse(res, [
          ['response.created', { response: { ...response, status: 'in_progress', output: [] } }],
          ['response.output_text.delta', { delta: 'Hello ' }],
          ['response.output_text.delta', { delta: 'there friend' }],
          ...(flaw === 'responses-no-completed' ? [] : [['response.completed', { response }] as [string, object]]),
        ]);
      }
      if (req.url === '/v1/messages') {
        const keyOk = req.headers['x-api-key'] === KEY || (flaw === 'messages-bearer-only' && bearerOk);
        if (flaw === 'messages-bearer-only' && !bearerOk)
          return json(401, { type: 'error', error: { type: 'authentication_error', message: 'no key' } });
        if (!keyOk) {
          return flaw === 'messages-openai-envelope'
            ? json(401, {
                error: {
                  message: 'Invalid API key',
                  type: 'invalid_request_error',
                  param: null,
                  code: 'invalid_api_key',
                },
              })
            : json(401, { type: 'error', error: { type: 'authentication_error', message: 'Invalid API key' } });
        }
        if (body.stream !== true)
          return json(200, {
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            content: [{ type: 'text', text: 'Hello there' }],
            usage: { input_tokens: 5, output_tokens: 2 },
          });
        return sse(res, [
          [
            'message_start',
            {
              message: {
                id: 'msg_1',
                type: 'message',
                role: 'assistant',
                content: [],
                usage: { input_tokens: 5, output_tokens: 0 },
              },
            },
          ],
          ['content_block_start', { index: 0, content_block: { type: 'text', text: '' } }],
          ['ping', {}],
          ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello ' } }],
          ['content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'there' } }],
          ['content_block_stop', { index: 0 }],
          ['message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }],
          ...(flaw === 'messages-no-stop' ? [] : [['message_stop', {}] as [string, object]]),
        ]);
      }
      if (!bearerOk) return json(401, { error: 'invalid API key' });
      if (req.url === '/v1/models') return json(200, { object: 'list', data: [{ id: MODEL, object: 'model' }] });
      if (req.url === '/api/tags') {
        const models = [
          { name: MODEL, model: MODEL },
          ...(flaw === 'tags-unfiltered' ? [{ name: 'secret:70b', model: 'secret:70b' }] : []),
        ];
        return json(200, { models });
      }
      if (req.url === '/api/chat') {
        const chunk = (content: string, done: boolean, extra: object = {}) =>
          `${JSON.stringify({ model: MODEL, created_at: '2026-01-01T00:00:00Z', message: { role: 'assistant', content }, done, ...extra })}\n`;
        const final =
          flaw === 'native-no-counts'
            ? { done_reason: 'stop' }
            : { done_reason: 'stop', prompt_eval_count: 5, eval_count: 2 };
        if (flaw === 'native-buffered-json')
          return json(200, {
            model: MODEL,
            message: { role: 'assistant', content: 'Hello there' },
            done: true,
            ...final,
          });
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(chunk('Hello ', false));
        res.write(chunk('there', false));
        return res.end(chunk('', true, final));
      }
      json(404, { error: 'not found' });
    });
  };
}

async function serve(flaw: Flaw | null): Promise<string> {
  const server = http.createServer(protocolServer(flaw));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function checks(
  url: string,
  extra: { adminToken?: string; key?: string; model?: string } = { key: KEY, model: MODEL },
) {
  const report = await runReadiness({ url, only: PROTOCOL_CHECKS, ...extra });
  return { report, r: Object.fromEntries(report.results.map((x) => [x.id, x])) as Record<string, CheckResult> };
}

describe.each(BACKENDS)('protocol checks against the real gateway (%s)', (kind) => {
  it('Responses, Anthropic Messages (x-api-key) and the native API all pass; the limited key is revoked', async () => {
    const h = await startHarness({ kind });
    cleanups.push(() => h.close());
    const { report, r } = await checks(h.url, { adminToken: h.adminToken, model: 'llama3.2:1b' });
    for (const id of PROTOCOL_CHECKS) expect(r[id], JSON.stringify(r[id])).toMatchObject({ status: 'pass' });
    expect(r.responses!.summary).toMatch(/response\.completed and usage/);
    expect(r.messages!.summary).toMatch(/message_start…message_stop/);
    expect(r['ollama-native']!.details.tags).toEqual({ allowed: ['llama3.2:1b'], listed: ['llama3.2:1b'] });
    expect(r['ollama-native']!.summary).toMatch(
      /^a key allowed only llama3\.2:1b sees only it in \/api\/tags; \/api\/chat streamed \d+ NDJSON chunks, done:true/,
    );
    expect(report.cleanup).toEqual({ keysCreated: 2, keysRevoked: 2 }); // the run key + the one-model key
  });
});

describe('protocol checks fail when their condition is broken', () => {
  it('a server speaking all three protocols correctly passes all three (the baseline of the cases below)', async () => {
    const { r } = await checks(await serve(null));
    for (const id of PROTOCOL_CHECKS) expect(r[id], JSON.stringify(r[id])).toMatchObject({ status: 'pass' });
    expect(r['ollama-native']!.details.tags).toEqual({ listed: [MODEL], v1: [MODEL] });
    expect(r['ollama-native']!.summary).toMatch(/^\/api\/tags lists the key's 1 model\(s\), as \/v1\/models does; /);
  });

  it('Responses: a stream without response.completed, or without usage, fails', async () => {
    const cut = (await checks(await serve('responses-no-completed'))).r.responses!;
    expect(cut).toMatchObject({ status: 'fail' });
    expect(cut.summary).toMatch(/stream: no response\.completed event/);
    expect(cut.fix).toMatch(/unbuffered/);
    const bare = (await checks(await serve('responses-no-usage'))).r.responses!;
    expect(bare.summary).toMatch(/lacks usage/);
  });

  it("Messages: a stream without message_stop fails; so does a wrong key answered in OpenAI's envelope", async () => {
    const cut = (await checks(await serve('messages-no-stop'))).r.messages!;
    expect(cut).toMatchObject({ status: 'fail' });
    expect(cut.summary).toMatch(/last event is message_delta, not message_stop/);
    const envelope = (await checks(await serve('messages-openai-envelope'))).r.messages!;
    expect(envelope.summary).toMatch(/wrong x-api-key got 401 .* not 401 authentication_error/);
    expect(envelope.fix).toMatch(/Anthropic's envelope/);
  });

  it('Messages: a gateway that ignores x-api-key (Bearer only) fails with what to update', async () => {
    const r = (await checks(await serve('messages-bearer-only'))).r.messages!;
    expect(r).toMatchObject({ status: 'fail' });
    expect(r.summary).toMatch(/POST \/v1\/messages \(x-api-key\) answered 401/);
    expect(r.fix).toMatch(/x-api-key/);
  });

  it('native: /api/tags listing models the key cannot use fails', async () => {
    const r = (await checks(await serve('tags-unfiltered'))).r['ollama-native']!;
    expect(r).toMatchObject({ status: 'fail' });
    expect(r.summary).toBe(`/api/tags lists secret:70b, ${MODEL} but /v1/models lists ${MODEL}`);
    expect(r.fix).toMatch(/allowed models/);
  });

  it('native: a done object without eval counts, or one buffered JSON answer instead of NDJSON, fails', async () => {
    const counts = (await checks(await serve('native-no-counts'))).r['ollama-native']!;
    expect(counts.summary).toMatch(/lacks prompt_eval_count; the done object lacks eval_count/);
    const buffered = (await checks(await serve('native-buffered-json'))).r['ollama-native']!;
    expect(buffered.summary).toMatch(/content-type application\/json/);
    expect(buffered.fix).toMatch(/proxy_buffering/);
  });

  it('the new checks are selectable by number, in order after readiness and before failover', async () => {
    const { report } = await checks(await serve(null), { key: KEY, model: MODEL });
    expect(report.results.map((x) => [x.number, x.id])).toEqual([
      [15, 'responses'],
      [16, 'messages'],
      [17, 'ollama-native'],
    ]);
    const byNumber = await runReadiness({ url: await serve(null), key: KEY, model: MODEL, only: ['15', '16', '17'] });
    expect(byNumber.counts).toEqual({ passed: 3, failed: 0, skipped: 0 });
  });
});
