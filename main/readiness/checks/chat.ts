// Check 6: a real, non-streamed chat completion on the chosen model. The answer to "What is 2+2?" must contain 4:
// a model-quality check that is reported as a failure, not hidden.
import { bearer, call, clip } from '../http.js';
import type { CheckDefinition } from '../types.js';

export const QUESTION = 'What is 2+2? Answer with a number.';
const FOUR = /(^|[^\d])4([^\d]|$)|\bfour\b/i;

export const chatCheck: CheckDefinition = {
  id: 'chat',
  number: 6,
  title: 'Chat completion',
  timeoutMs: 120_000,
  async run(ctx) {
    const [key, model] = [await ctx.key(), await ctx.model()];
    const answer = await call(`${ctx.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: QUESTION }], temperature: 0, max_tokens: 64 }),
      signal: ctx.signal,
    });
    if (answer.status !== 200) {
      return {
        status: 'fail',
        summary: `${model}: POST /v1/chat/completions answered ${answer.status}: ${clip(answer.text)}`,
        fix: 'Check that Ollama runs and has the model (`ollama list`), or choose another with --model.',
        details: { model, status: answer.status, ms: answer.ms },
      };
    }
    const body = answer.json as
      { choices?: Array<{ message?: { content?: unknown } }>; usage?: Record<string, number> } | undefined;
    const content = body?.choices?.[0]?.message?.content;
    const details = {
      model,
      ms: answer.ms,
      answer: typeof content === 'string' ? clip(content, 300) : content,
      usage: body?.usage,
    };
    if (typeof content !== 'string') {
      return {
        status: 'fail',
        summary: `${model}: no choices[0].message.content in the answer`,
        fix: 'The upstream is not OpenAI-compatible; update Ollama.',
        details,
      };
    }
    if (!FOUR.test(content)) {
      return {
        status: 'fail',
        summary: `${model} answered "${clip(content, 80)}" — no 4 (model quality)`,
        fix: 'The gateway works but the model answered wrongly: try a larger model with --model.',
        details,
        code: 'model_quality',
      };
    }
    return { status: 'pass', summary: `${model} answered "${clip(content, 60)}" in ${answer.ms} ms`, details };
  },
};
