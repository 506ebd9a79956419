// The Vercel AI SDK's generateText / streamText with three providers — @ai-sdk/openai (Responses API),
// @ai-sdk/openai-compatible (chat completions) and @ai-sdk/anthropic (Messages) — against the test
// upstream directly, then the gateway on both backends: the text, the usage the SDK reports, the usage row.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText, type LanguageModel } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHAT_MODEL, startTarget, TARGETS, type Target } from './targets.js';

const REPLY = 'Hello! I am a local model.';
const PROMPT = 'Say hello';
const PROMPT_TOKENS = Math.ceil(PROMPT.length / 4);

interface Provider {
  name: string;
  endpoint: string;
  model(t: Target): LanguageModel;
}

const PROVIDERS: Provider[] = [
  {
    name: '@ai-sdk/openai (Responses)',
    endpoint: '/v1/responses',
    model: (t) => createOpenAI({ baseURL: `${t.url}/v1`, apiKey: t.key }).responses(CHAT_MODEL),
  },
  {
    name: '@ai-sdk/openai-compatible (chat completions)',
    endpoint: '/v1/chat/completions',
    model: (t) =>
      createOpenAICompatible({ name: 'gateway', baseURL: `${t.url}/v1`, apiKey: t.key, includeUsage: true }).chatModel(
        CHAT_MODEL,
      ),
  },
  {
    name: '@ai-sdk/anthropic (Messages)',
    endpoint: '/v1/messages',
    model: (t) => createAnthropic({ baseURL: `${t.url}/v1`, apiKey: t.key }).messages(CHAT_MODEL),
  },
];

describe.each(TARGETS)('Vercel AI SDK against %s', (kind) => {
  let t: Target;

  beforeAll(async () => {
    t = await startTarget(kind);
  });
  beforeEach(() => t.upstream.resetAll());
  afterAll(() => t.close());

  describe.each(PROVIDERS)('$name', (provider) => {
    it('generateText answers with usage', async () => {
      const result = await generateText({ model: provider.model(t), prompt: PROMPT, maxRetries: 0 });
      expect(result.text).toBe(REPLY);
      expect(result.finishReason).toBe('stop');
      expect(result.usage).toMatchObject({ inputTokens: PROMPT_TOKENS, outputTokens: 6 });
      await t.expectRecorded(provider.endpoint, { prompt: PROMPT_TOKENS, completion: 6 });
    });

    it('streamText streams the deltas and reports usage at the end', async () => {
      const result = streamText({ model: provider.model(t), prompt: PROMPT, maxRetries: 0 });
      const parts: string[] = [];
      for await (const part of result.textStream) parts.push(part);
      expect(parts.join('')).toBe(REPLY);
      expect(parts.length).toBeGreaterThan(1);
      expect(await result.usage).toMatchObject({ inputTokens: PROMPT_TOKENS, outputTokens: 6 });
      expect(await result.finishReason).toBe('stop');
      await t.expectRecorded(provider.endpoint, { prompt: PROMPT_TOKENS, completion: 6 });
    });
  });
});
