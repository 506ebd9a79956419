// The official `openai` client's Responses API (responses.create / responses.stream) against Ollama's
// /v1/responses — the test upstream directly, then the gateway on both backends — asserting the answer,
// the usage the client sees and the usage row recorded.
import OpenAI, { NotFoundError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT_MODEL, startTarget, TARGETS, type Target } from './targets.js';

describe.each(TARGETS)('openai responses API against %s', (kind) => {
  let t: Target;
  let client: OpenAI;

  beforeAll(async () => {
    t = await startTarget(kind);
    client = new OpenAI({ apiKey: t.key, baseURL: `${t.url}/v1`, maxRetries: 0 });
  });
  beforeEach(() => t.upstream.resetAll());
  afterAll(() => t.close());

  it('responses.create answers the text with usage', async () => {
    const response = await client.responses.create({
      model: CHAT_MODEL,
      input: 'What is 2+2?',
      instructions: 'Answer briefly.',
    });
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('The answer is 4.');
    const prompt = Math.ceil('Answer briefly.What is 2+2?'.length / 4);
    expect(response.usage).toMatchObject({ input_tokens: prompt, output_tokens: 4, total_tokens: prompt + 4 });
    await t.expectRecorded('/v1/responses', { prompt, completion: 4 });
  });

  it('responses.create honours max_output_tokens', async () => {
    const response = await client.responses.create({ model: CHAT_MODEL, input: 'Say hello', max_output_tokens: 3 });
    expect(response.output_text).toBe('Hello! I am');
    expect(response.usage!.output_tokens).toBe(3);
    await t.expectRecorded('/v1/responses', { prompt: 3, completion: 3 });
  });

  it('responses.stream delivers every delta in order, then the completed response with usage', async () => {
    const stream = client.responses.stream({ model: CHAT_MODEL, input: 'Say hello' });
    const deltas: string[] = [];
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas.push(event.delta);
    }
    const final = await stream.finalResponse();
    expect(deltas.join('')).toBe('Hello! I am a local model.');
    expect(deltas).toHaveLength(6);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(final.output_text).toBe('Hello! I am a local model.');
    expect(final.usage).toMatchObject({ input_tokens: 3, output_tokens: 6 });
    await t.expectRecorded('/v1/responses', { prompt: 3, completion: 6 });
  });

  it('responses.create with stream: true yields the raw events', async () => {
    const events = await client.responses.create({ model: CHAT_MODEL, input: 'Say hello', stream: true });
    let text = '';
    let usage: OpenAI.Responses.ResponseUsage | undefined;
    for await (const event of events) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') usage = event.response.usage;
    }
    expect(text).toBe('Hello! I am a local model.');
    expect(usage).toMatchObject({ input_tokens: 3, output_tokens: 6 });
    await t.expectRecorded('/v1/responses', { prompt: 3, completion: 6 });
  });

  it('returns function calls for tools', async () => {
    t.upstream.behaviour.toolCall = { name: 'get_weather', arguments: { city: 'Paris' } };
    const response = await client.responses.create({
      model: CHAT_MODEL,
      input: 'Weather in Paris?',
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          strict: false,
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      ],
    });
    const call = response.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(response.usage!.output_tokens).toBeGreaterThan(0);
    await t.expectRecorded('/v1/responses', {
      prompt: response.usage!.input_tokens,
      completion: response.usage!.output_tokens,
    });
  });

  it('raises NotFoundError for an unknown model', async () => {
    await expect(client.responses.create({ model: 'ghost:1b', input: 'hi' })).rejects.toBeInstanceOf(NotFoundError);
  });
});
