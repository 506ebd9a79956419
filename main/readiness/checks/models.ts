// Check 5: GET /v1/models with the key answers OpenAI's list shape with at least one model. When it fails on a
// stack, the stack's Ollama reach diagnosis says why (forwarder down, Ollama not running) and what to do.
import { bearer, call, clip } from '../http.js';
import { isEmbeddingModel, pickChatModel, type ListedModel } from '../model-choice.js';
import type { CheckDefinition } from '../types.js';

export const modelsCheck: CheckDefinition = {
  id: 'models',
  number: 5,
  title: 'List models',
  async run(ctx) {
    const answer = await call(`${ctx.url}/v1/models`, { headers: bearer(await ctx.key()), signal: ctx.signal });
    const body = answer.json as { object?: unknown; data?: unknown } | undefined;
    if (answer.status !== 200 && answer.status !== 401) {
      // The stack can say why Ollama is out of reach (address tried, where it listens) and the one fix.
      const reach = await ctx.options.stack?.ollamaReach?.().catch(() => null);
      if (reach && reach.ok === false) {
        return {
          status: 'fail',
          summary: `GET /v1/models answered ${answer.status}: ${reach.message}`,
          fix: reach.hint,
          code: reach.code,
          details: { status: answer.status, ms: answer.ms, tried: reach.tried, listens: reach.listens },
        };
      }
    }
    if (answer.status !== 200) {
      return {
        status: 'fail',
        summary: `GET /v1/models answered ${answer.status}: ${clip(answer.text)}`,
        fix:
          answer.status === 401
            ? 'The key was refused: pass a valid --key.'
            : 'Start Ollama (or fix OLLAMA_URLS) so the gateway can list its models.',
        details: { status: answer.status, ms: answer.ms },
      };
    }
    if (body?.object !== 'list' || !Array.isArray(body.data)) {
      return {
        status: 'fail',
        summary: `not OpenAI's list shape: ${clip(answer.text)}`,
        fix: 'Point --url at the gateway (not at Ollama directly).',
      };
    }
    const data = body.data as ListedModel[];
    const ids = data.map((model) => model.id);
    const details = {
      ms: answer.ms,
      count: ids.length,
      models: ids,
      chat: data.filter((m) => !isEmbeddingModel(m)).map((m) => m.id),
    };
    if (ids.length === 0 || ids.some((id) => typeof id !== 'string')) {
      return {
        status: 'fail',
        summary: ids.length === 0 ? 'no models installed' : 'a model without an id',
        fix: 'Pull a model into Ollama, e.g. `ollama pull llama3.2:1b`.',
        details,
      };
    }
    const smallest = pickChatModel(data);
    return {
      status: 'pass',
      summary: `${ids.length} model(s) in ${answer.ms} ms: ${ids.join(', ')}${smallest ? ` (smallest chat: ${smallest})` : ''}`,
      details,
    };
  },
};
