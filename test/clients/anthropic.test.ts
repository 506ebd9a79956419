// The official `@anthropic-ai/sdk` against /v1/messages — the test upstream directly, then the gateway on
// both backends: messages.create / messages.stream with the key as x-api-key (apiKey) and as Bearer
// (authToken), the answer, usage and usage row; through the gateway also the SDK's typed errors and an
// aborted stream that aborts Ollama and still records its partial usage.
import Anthropic, {
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/harness.js';
import { CHAT_MODEL, eventually, startTarget, TARGETS, type Target } from './targets.js';

const REPLY = 'Hello! I am a local model.';
const PROMPT = 'Say hello';
// The test upstream's tokenizer: ceil(chars / 4) over the conversation text.
const PROMPT_TOKENS = Math.ceil(PROMPT.length / 4);

function client(t: Target, auth: 'x-api-key' | 'bearer', key = t.key): Anthropic {
  const credentials = auth === 'x-api-key' ? { apiKey: key, authToken: null } : { apiKey: null, authToken: key };
  return new Anthropic({ ...credentials, baseURL: t.url, maxRetries: 0 });
}

describe.each(TARGETS)('anthropic SDK against %s', (kind) => {
  let t: Target;

  beforeAll(async () => {
    t = await startTarget(kind);
  });
  beforeEach(() => t.upstream.resetAll());
  afterAll(() => t.close());

  describe.each(['x-api-key', 'bearer'] as const)('key sent as %s', (auth) => {
    it('messages.create answers the text, end_turn and usage', async () => {
      const message = await client(t, auth).messages.create({
        model: CHAT_MODEL,
        max_tokens: 256,
        messages: [{ role: 'user', content: PROMPT }],
      });
      expect(message.type).toBe('message');
      expect(message.content).toEqual([{ type: 'text', text: REPLY }]);
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage).toMatchObject({ input_tokens: PROMPT_TOKENS, output_tokens: 6 });
      await t.expectRecorded('/v1/messages', { prompt: PROMPT_TOKENS, completion: 6 });
    });

    it('messages.stream delivers every text delta and the final message with usage', async () => {
      const stream = client(t, auth).messages.stream({
        model: CHAT_MODEL,
        max_tokens: 256,
        messages: [{ role: 'user', content: PROMPT }],
      });
      const deltas: string[] = [];
      stream.on('text', (text) => deltas.push(text));
      const final = await stream.finalMessage();
      expect(deltas).toEqual(['Hello!', ' I', ' am', ' a', ' local', ' model.']);
      expect(final.content).toEqual([{ type: 'text', text: REPLY }]);
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.output_tokens).toBe(6);
      // message_delta carries the final input count (Ollama's message_start only has an estimate).
      expect(final.usage.input_tokens).toBe(PROMPT_TOKENS);
      await t.expectRecorded('/v1/messages', { prompt: PROMPT_TOKENS, completion: 6 });
    });
  });

  it('max_tokens cuts the answer with stop_reason max_tokens, streaming and not', async () => {
    const c = client(t, 'x-api-key');
    const message = await c.messages.create({
      model: CHAT_MODEL,
      max_tokens: 2,
      messages: [{ role: 'user', content: PROMPT }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello! I' }]);
    expect(message.stop_reason).toBe('max_tokens');
    await t.expectRecorded('/v1/messages', { prompt: PROMPT_TOKENS, completion: 2 });
    const final = await c.messages
      .stream({ model: CHAT_MODEL, max_tokens: 3, messages: [{ role: 'user', content: PROMPT }] })
      .finalMessage();
    expect(final.stop_reason).toBe('max_tokens');
    expect(final.usage.output_tokens).toBe(3);
    await t.expectRecorded('/v1/messages', { prompt: PROMPT_TOKENS, completion: 3 });
  });

  it('returns tool_use blocks for tools, streaming and not', async () => {
    t.upstream.behaviour.toolCall = { name: 'get_weather', arguments: { city: 'Paris' } };
    const tools: Anthropic.Tool[] = [
      {
        name: 'get_weather',
        description: 'Current weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
      },
    ];
    const c = client(t, 'bearer');
    const message = await c.messages.create({
      model: CHAT_MODEL,
      max_tokens: 256,
      tools,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    await t.expectRecorded('/v1/messages', {
      prompt: message.usage.input_tokens,
      completion: message.usage.output_tokens,
    });
    const final = await c.messages
      .stream({ model: CHAT_MODEL, max_tokens: 256, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    await t.expectRecorded('/v1/messages', { prompt: final.usage.input_tokens, completion: final.usage.output_tokens });
  });

  it('raises NotFoundError for an unknown model', async () => {
    const err = await client(t, 'x-api-key')
      .messages.create({ model: 'ghost:1b', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe.each(BACKENDS)('anthropic SDK errors and aborts through the %s gateway', (kind) => {
  let t: Target;

  beforeAll(async () => {
    t = await startTarget(kind);
  });
  afterAll(() => t.close());

  const ask = (c: Anthropic) =>
    c.messages
      .create({ model: CHAT_MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);

  it('raises AuthenticationError for a wrong key, as x-api-key and as Bearer', async () => {
    for (const auth of ['x-api-key', 'bearer'] as const) {
      const err = await ask(client(t, auth, 'llmgw_wrong'));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).error).toMatchObject({
        type: 'error',
        error: { type: 'authentication_error' },
      });
    }
  });

  it('raises PermissionDeniedError for a model the key may not use', async () => {
    const { key } = await t.harness!.createKey({ models: ['qwen2.5:0.5b'] });
    const err = await ask(client(t, 'x-api-key', key));
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect((err as PermissionDeniedError).error).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
  });

  it('raises RateLimitError with retry-after once the key is over its RPM', async () => {
    const { key } = await t.harness!.createKey({ rpm: 1 });
    const c = client(t, 'x-api-key', key);
    expect(await ask(c)).toMatchObject({ type: 'message' });
    const err = await ask(c);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(Number((err as RateLimitError).headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('an aborted stream aborts the upstream and records its partial usage', async () => {
    t.upstream.resetAll();
    t.upstream.behaviour.chunks = 400;
    t.upstream.behaviour.chunkDelayMs = 5;
    const { key, id } = await t.harness!.createKey({});
    const stream = client(t, 'x-api-key', key).messages.stream({
      model: CHAT_MODEL,
      max_tokens: 1000,
      messages: [{ role: 'user', content: PROMPT }],
    });
    let seen = 0;
    await new Promise<void>((resolve) => {
      stream.on('text', () => {
        seen += 1;
        if (seen === 5) {
          stream.abort();
          resolve();
        }
      });
    });
    await stream.done().catch(() => undefined);
    await eventually(async () => (t.upstream.stats.aborted === 1 ? true : undefined), 'Ollama to see the abort');
    const row = await eventually(
      async () => (await t.harness!.usageRows()).find((r) => r.key_id === id),
      'the aborted usage row',
    );
    expect(row).toMatchObject({ endpoint: '/v1/messages', outcome: 'aborted' });
    expect(Number(row.prompt_tokens)).toBeGreaterThan(0);
    expect(Number(row.completion_tokens)).toBeGreaterThanOrEqual(5);
    expect(Number(row.completion_tokens)).toBeLessThan(400);
  });
});
