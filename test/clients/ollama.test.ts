// The official `ollama` JS client against Ollama's native API — the test upstream directly, then the
// gateway on both backends with the key in an Authorization header: chat and generate (NDJSON streams
// and single objects), embed, list, the answer, prompt_eval_count/eval_count and the usage row.
import { Ollama } from 'ollama';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/harness.js';
import { CHAT_MODEL, EMBED_MODEL, startTarget, TARGETS, type Target } from './targets.js';

const REPLY = 'Hello! I am a local model.';
const PROMPT = 'Say hello';
const PROMPT_TOKENS = Math.ceil(PROMPT.length / 4);

/** The client's ResponseError (the package does not export the class): name, message and status_code. */
interface ResponseError extends Error {
  error: string;
  status_code: number;
}
function responseError(err: unknown): ResponseError {
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).name).toBe('ResponseError');
  return err as ResponseError;
}

const connect = (t: Target, key = t.key) => new Ollama({ host: t.url, headers: { Authorization: `Bearer ${key}` } });

describe.each(TARGETS)('ollama client against %s', (kind) => {
  let t: Target;
  let ollama: Ollama;

  beforeAll(async () => {
    t = await startTarget(kind);
    ollama = connect(t);
  });
  beforeEach(() => t.upstream.resetAll());
  afterAll(() => t.close());

  it('chat answers one object with done_reason and token counts', async () => {
    const res = await ollama.chat({ model: CHAT_MODEL, messages: [{ role: 'user', content: PROMPT }], stream: false });
    expect(res.message).toMatchObject({ role: 'assistant', content: REPLY });
    expect(res).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: PROMPT_TOKENS, eval_count: 6 });
    await t.expectRecorded('/api/chat', { prompt: PROMPT_TOKENS, completion: 6 });
  });

  it('chat streams NDJSON parts, the last with the counts', async () => {
    const parts = [];
    for await (const part of await ollama.chat({
      model: CHAT_MODEL,
      messages: [{ role: 'user', content: PROMPT }],
      stream: true,
    }))
      parts.push(part);
    expect(parts.map((p) => p.message.content).join('')).toBe(REPLY);
    expect(parts).toHaveLength(7);
    expect(parts.at(-1)).toMatchObject({
      done: true,
      done_reason: 'stop',
      prompt_eval_count: PROMPT_TOKENS,
      eval_count: 6,
    });
    await t.expectRecorded('/api/chat', { prompt: PROMPT_TOKENS, completion: 6 });
  });

  it('chat honours options.num_predict with done_reason length', async () => {
    const res = await ollama.chat({
      model: CHAT_MODEL,
      messages: [{ role: 'user', content: PROMPT }],
      options: { num_predict: 2 },
    });
    expect(res.message.content).toBe('Hello! I');
    expect(res).toMatchObject({ done_reason: 'length', eval_count: 2 });
    await t.expectRecorded('/api/chat', { prompt: PROMPT_TOKENS, completion: 2 });
  });

  it('generate answers and streams', async () => {
    const res = await ollama.generate({ model: CHAT_MODEL, prompt: 'What is 2+2?', stream: false });
    expect(res).toMatchObject({ response: 'The answer is 4.', done: true, done_reason: 'stop', eval_count: 4 });
    await t.expectRecorded('/api/generate', { prompt: 3, completion: 4 });
    let text = '';
    let last;
    for await (const part of await ollama.generate({ model: CHAT_MODEL, prompt: PROMPT, stream: true })) {
      text += part.response;
      last = part;
    }
    expect(text).toBe(REPLY);
    expect(last).toMatchObject({ done: true, prompt_eval_count: PROMPT_TOKENS, eval_count: 6 });
    await t.expectRecorded('/api/generate', { prompt: PROMPT_TOKENS, completion: 6 });
  });

  it('embed answers one normalized vector per input', async () => {
    const res = await ollama.embed({ model: EMBED_MODEL, input: ['first text', 'second'] });
    expect(res.embeddings).toHaveLength(2);
    for (const v of res.embeddings) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const prompt = Math.ceil('first text'.length / 4) + Math.ceil('second'.length / 4);
    expect(res.prompt_eval_count).toBe(prompt);
    await t.expectRecorded('/api/embed', { prompt, completion: 0 });
  });

  it('list shows the installed models with details', async () => {
    const { models } = await ollama.list();
    // The gateway merges the listings of every upstream, so only the set is a contract, not the order.
    expect(models.map((m) => m.name).sort()).toEqual(t.upstream.models.map((m) => m.name).sort());
    expect(models.find((m) => m.name === CHAT_MODEL)!.details).toMatchObject({ format: 'gguf', family: 'llama' });
  });

  it('raises ResponseError 404 for an unknown model', async () => {
    const err = await ollama
      .chat({ model: 'ghost:1b', messages: [{ role: 'user', content: 'hi' }], stream: false })
      .catch((e: unknown) => e);
    expect(responseError(err).status_code).toBe(404);
  });
});

describe.each(BACKENDS)('ollama client keys through the %s gateway', (kind) => {
  let t: Target;

  beforeAll(async () => {
    t = await startTarget(kind);
  });
  afterAll(() => t.close());

  it('list shows only the models the key may use', async () => {
    const { key } = await t.harness!.createKey({ models: ['qwen2.5:0.5b'] });
    const { models } = await connect(t, key).list();
    expect(models.map((m) => m.name)).toEqual(['qwen2.5:0.5b']);
  });

  it("refuses a wrong key with 401 in Ollama's error shape", async () => {
    const err = await connect(t, 'llmgw_wrong')
      .list()
      .catch((e: unknown) => e);
    expect(responseError(err).status_code).toBe(401);
    expect(responseError(err).error.length).toBeGreaterThan(0);
  });
});
