// The gateway driven by the official `openai` client, against both backends: models, completions,
// streaming with and without usage, embeddings, and the SDK error classes for 401/403/404/413/429.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { BACKENDS, startHarness, type Harness } from '../support/harness.js';

describe.each(BACKENDS)('OpenAI client against the %s gateway', (kind) => {
  let h: Harness;
  let client: OpenAI;

  beforeAll(async () => {
    h = await startHarness({ kind });
    const { key } = await h.createKey({ rpm: 1000 });
    client = new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => h.close());

  it('lists models in OpenAI shape with Ollama details', async () => {
    const page = await client.models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(h.upstream.models.map((m) => m.name)));
    const model = page.data[0] as unknown as Record<string, unknown>;
    expect(model).toMatchObject({ object: 'model', owned_by: 'ollama' });
    expect(typeof model.created).toBe('number');
    expect(model).toHaveProperty('context_length');
    expect(model).toHaveProperty('family');
    expect(model).not.toHaveProperty('upstreams');
  });

  it('retrieves one model, also by its short name', async () => {
    const name = h.upstream.models.find((m) => m.name.endsWith(':latest'))!.name;
    const model = await client.models.retrieve(name.replace(/:latest$/, ''));
    expect(model.id).toBe(name);
  });

  it('answers a non-streaming chat completion with usage', async () => {
    const model = h.upstream.models[0]!.name;
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is 2+2? Answer with a number.' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message.content).toContain('4');
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('streams chat chunks and forwards usage only when asked', async () => {
    const model = h.upstream.models[0]!.name;
    const withUsage = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of withUsage) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(2);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.completion_tokens).toBeGreaterThan(0);

    const withoutUsage = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
    });
    const plain = [];
    for await (const chunk of withoutUsage) plain.push(chunk);
    expect(plain.length).toBeGreaterThan(2);
    expect(plain.every((chunk) => !chunk.usage)).toBe(true);
    // The gateway still asked Ollama for usage, for its own accounting.
    const upstreamBody = h.upstream.stats.lastBodies.at(-1)!.body as { stream_options?: { include_usage?: boolean } };
    expect(upstreamBody.stream_options?.include_usage).toBe(true);
  });

  it('answers legacy completions, streaming and not', async () => {
    const model = h.upstream.models[0]!.name;
    const completion = await client.completions.create({ model, prompt: 'Once upon a time' });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]!.text.length).toBeGreaterThan(0);
    const stream = await client.completions.create({ model, prompt: 'Once', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text.length).toBeGreaterThan(0);
  });

  it('creates embeddings', async () => {
    const model = h.upstream.models.find((m) => m.name.includes('embed'))!.name;
    const result = await client.embeddings.create({ model, input: ['one', 'two'] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]!.embedding.length).toBeGreaterThan(0);
  });

  it('passes tools through and returns tool calls', async () => {
    const model = h.upstream.models[0]!.name;
    const completion = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
        },
      ],
    });
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]!.message.tool_calls?.length).toBeGreaterThan(0);
  });

  it('raises AuthenticationError for a wrong key', async () => {
    const bad = new OpenAI({ apiKey: `llmgw_${'0'.repeat(64)}`, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const err = await bad.models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('raises NotFoundError for an unknown model', async () => {
    const err = await client.chat.completions
      .create({ model: 'no-such-model:7b', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('raises PermissionDeniedError for a model the key may not use', async () => {
    const { key } = await h.createKey({ models: [h.upstream.models[1]!.name] });
    const limited = new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const err = await limited.chat.completions
      .create({ model: h.upstream.models[0]!.name, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const listed = await limited.models.list();
    expect(listed.data.map((m) => m.id)).toEqual([h.upstream.models[1]!.name]);
  });

  it('raises a 413 APIError for an oversize body', async () => {
    const err = await client.chat.completions
      .create({ model: h.upstream.models[0]!.name, messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
  });

  it('raises RateLimitError with retry-after once the key is over its RPM', async () => {
    const { key } = await h.createKey({ rpm: 2 });
    const limited = new OpenAI({ apiKey: key, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const model = h.upstream.models[0]!.name;
    const ask = () => limited.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    await ask();
    await ask();
    const err = await ask().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rateErr = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateErr.code).toBe('rate_limit_exceeded');
    expect(rateErr.type).toBe('requests');
    expect(Number(rateErr.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(rateErr.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
  });
});
