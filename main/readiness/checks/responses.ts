// Check 15: OpenAI's Responses API (what Codex CLI and the Vercel AI SDK speak) through the gateway with the key:
// a non-streamed response has output text and usage; a stream starts with response.created, carries text deltas
// and ends with response.completed holding the usage. An error/response.failed event fails it.
import { bearer, call, clip } from '../http.js';
import { readSse, type SseEvent } from '../stream-read.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';

const PROMPT = 'Say hello in five words.';
const FIX_ROUTE =
  'Update the gateway (it must serve POST /v1/responses) and Ollama (only recent versions serve /v1/responses: `ollama --version`).';
const FIX_STREAM =
  'Responses streams must pass through unbuffered and intact: check Ollama and that the proxy does not buffer SSE.';

interface Usage {
  input_tokens?: unknown;
  output_tokens?: unknown;
}
interface ResponseObject {
  object?: unknown;
  status?: unknown;
  output?: unknown;
  usage?: Usage;
}

/** The text of a response object: every output_text part of its message items. */
export function responseText(response: ResponseObject | undefined): string | null {
  if (!Array.isArray(response?.output)) return null;
  const parts = (response.output as Array<{ type?: unknown; content?: unknown }>)
    .filter((item) => item.type === 'message' && Array.isArray(item.content))
    .flatMap((item) => item.content as Array<{ type?: unknown; text?: unknown }>)
    .filter((part) => part.type === 'output_text' && typeof part.text === 'string');
  return parts.length ? parts.map((part) => part.text as string).join('') : null;
}

const hasUsage = (usage: Usage | undefined) =>
  typeof usage?.input_tokens === 'number' && typeof usage.output_tokens === 'number';

/** What is wrong with a Responses stream (empty when it is right), and its text and usage. */
export function judgeResponsesStream(events: SseEvent[]): {
  problems: string[];
  text: string;
  deltas: number;
  usage: Usage | undefined;
} {
  const problems: string[] = [];
  const names = events.map((e) => e.event || String((e.data as { type?: unknown } | undefined)?.type ?? ''));
  const deltas = events.filter((_, i) => names[i] === 'response.output_text.delta');
  const text = deltas.map((e) => String((e.data as { delta?: unknown } | undefined)?.delta ?? '')).join('');
  const completed = events[names.lastIndexOf('response.completed')];
  const usage = (completed?.data as { response?: ResponseObject } | undefined)?.response?.usage;
  const failed = events.find((_, i) => names[i] === 'error' || names[i] === 'response.failed');
  if (failed) problems.push(`${failed.event || 'error'} event ${clip(failed.raw, 120)}`);
  if (names[0] !== 'response.created') problems.push(`first event is ${names[0] || 'missing'}, not response.created`);
  if (deltas.length === 0 || text === '') problems.push('no response.output_text.delta with text');
  if (!completed) problems.push('no response.completed event');
  else if (!hasUsage(usage)) problems.push('response.completed without usage.input_tokens/output_tokens');
  return { problems, text, deltas: deltas.length, usage };
}

export const responsesCheck: CheckDefinition = {
  id: 'responses',
  number: 15,
  title: 'OpenAI Responses API',
  timeoutMs: 120_000,
  async run(ctx): Promise<CheckOutcome> {
    const [key, model] = [await ctx.key(), await ctx.model()];
    const url = `${ctx.url}/v1/responses`;
    const headers = { ...bearer(key), 'content-type': 'application/json' };
    const plain = await call(url, {
      method: 'POST',
      headers,
      signal: ctx.signal,
      body: JSON.stringify({ model, input: PROMPT, max_output_tokens: 48 }),
    });
    if (plain.status !== 200) {
      return {
        status: 'fail',
        summary: `${model}: POST /v1/responses answered ${plain.status}: ${clip(plain.text)}`,
        fix:
          plain.status === 404
            ? FIX_ROUTE
            : plain.status === 401
              ? 'The key was refused: pass a valid --key.'
              : 'Check that Ollama runs and has the model (`ollama list`), or choose another with --model.',
        details: { model, status: plain.status, ms: plain.ms },
      };
    }
    const body = plain.json as ResponseObject | undefined;
    const answer = responseText(body);
    if (body?.object !== 'response' || answer === null || !hasUsage(body.usage)) {
      const missing = [
        body?.object !== 'response' && 'object "response"',
        answer === null && 'output text',
        !hasUsage(body?.usage) && 'usage',
      ].filter(Boolean);
      return {
        status: 'fail',
        summary: `${model}: the response lacks ${missing.join(', ')}: ${clip(plain.text)}`,
        fix: FIX_ROUTE,
        details: { model, ms: plain.ms },
      };
    }
    const stream = await readSse(url, {
      headers: { ...headers, accept: 'text/event-stream' },
      signal: ctx.signal,
      body: JSON.stringify({ model, input: PROMPT, max_output_tokens: 48, stream: true }),
    });
    const judged = judgeResponsesStream(stream.items);
    const problems = [
      ...(stream.status !== 200
        ? [`stream status ${stream.status}`]
        : !stream.contentType.startsWith('text/event-stream')
          ? [`content-type ${stream.contentType}`]
          : []),
      ...(stream.broken ? [stream.broken] : []),
      ...judged.problems,
    ];
    const details = {
      model,
      ms: plain.ms,
      answer: clip(answer, 200),
      usage: body.usage,
      stream: {
        status: stream.status,
        events: stream.items.length,
        deltas: judged.deltas,
        usage: judged.usage,
        firstEventMs: stream.firstItemMs,
        totalMs: stream.totalMs,
        answer: clip(judged.text, 200),
      },
    };
    if (problems.length > 0) {
      return {
        status: 'fail',
        summary: `${model}: stream: ${problems.join('; ')}`,
        fix: stream.status === 404 ? FIX_ROUTE : FIX_STREAM,
        details,
      };
    }
    const u = body.usage as { input_tokens: number; output_tokens: number };
    return {
      status: 'pass',
      summary: `${model}: "${clip(answer, 40)}" (${u.input_tokens}+${u.output_tokens} tokens); stream of ${stream.items.length} events ended with response.completed and usage`,
      details,
    };
  },
};
