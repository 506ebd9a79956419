// Check 16: Anthropic's Messages API (what Claude Code and @anthropic-ai/sdk speak), authenticated as Anthropic
// clients do — the key in `x-api-key`, no Authorization header. A non-streamed message has text and usage; a stream
// runs message_start … message_stop with text deltas, input tokens in message_start and output tokens in
// message_delta; a wrong key gets Anthropic's own error envelope (authentication_error, 401).
import { call, clip } from '../http.js';
import { readSse, type SseEvent } from '../stream-read.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';

export const ANTHROPIC_VERSION = '2023-06-01';
const PROMPT = 'Say hello in five words.';
const FIX_ROUTE =
  'Update the gateway (it must serve POST /v1/messages and accept the key as x-api-key) and Ollama (only recent versions serve /v1/messages: `ollama --version`).';
const FIX_ENVELOPE =
  "Errors on /v1/messages must come in Anthropic's envelope so SDKs raise their typed errors: update the gateway, and make sure no proxy rewrites error bodies.";
const FIX_STREAM =
  'Messages streams must pass through unbuffered and intact: check Ollama and that the proxy does not buffer SSE.';

type Usage = { input_tokens?: unknown; output_tokens?: unknown };

export function anthropicHeaders(key: string): Record<string, string> {
  return { 'x-api-key': key, 'anthropic-version': ANTHROPIC_VERSION, 'content-type': 'application/json' };
}

/** True when `body` is Anthropic's `{"type":"error","error":{"type","message"}}` (optionally of this type). */
export function isAnthropicError(body: unknown, type?: string): boolean {
  const b = body as { type?: unknown; error?: { type?: unknown; message?: unknown } } | undefined;
  return (
    b?.type === 'error' &&
    typeof b.error?.type === 'string' &&
    typeof b.error.message === 'string' &&
    (type === undefined || b.error.type === type)
  );
}

/** What is wrong with a Messages stream (empty when it is right), with its text and usage. */
export function judgeMessagesStream(events: SseEvent[]): {
  problems: string[];
  text: string;
  deltas: number;
  inputTokens: unknown;
  outputTokens: unknown;
} {
  const problems: string[] = [];
  const type = (e: SseEvent) => e.event || String((e.data as { type?: unknown } | undefined)?.type ?? '');
  const names = events.map(type).filter((name) => name !== 'ping');
  const deltas = events.filter(
    (e) => type(e) === 'content_block_delta' && (e.data as { delta?: { type?: unknown } }).delta?.type === 'text_delta',
  );
  const text = deltas.map((e) => String((e.data as { delta: { text?: unknown } }).delta.text ?? '')).join('');
  const start = events.find((e) => type(e) === 'message_start')?.data as { message?: { usage?: Usage } } | undefined;
  const delta = events.findLast((e) => type(e) === 'message_delta')?.data as { usage?: Usage } | undefined;
  const error = events.find((e) => type(e) === 'error');
  if (error) problems.push(`error event ${clip(error.raw, 120)}`);
  if (names[0] !== 'message_start') problems.push(`first event is ${names[0] || 'missing'}, not message_start`);
  if (names.at(-1) !== 'message_stop') problems.push(`last event is ${names.at(-1) || 'missing'}, not message_stop`);
  if (text === '') problems.push('no content_block_delta with text');
  if (typeof start?.message?.usage?.input_tokens !== 'number')
    problems.push('message_start without usage.input_tokens');
  if (typeof delta?.usage?.output_tokens !== 'number') problems.push('no message_delta with usage.output_tokens');
  return {
    problems,
    text,
    deltas: deltas.length,
    inputTokens: start?.message?.usage?.input_tokens,
    outputTokens: delta?.usage?.output_tokens,
  };
}

export const messagesCheck: CheckDefinition = {
  id: 'messages',
  number: 16,
  title: 'Anthropic Messages API',
  timeoutMs: 120_000,
  async run(ctx): Promise<CheckOutcome> {
    const [key, model] = [await ctx.key(), await ctx.model()];
    const url = `${ctx.url}/v1/messages`;
    const request = { model, max_tokens: 48, messages: [{ role: 'user', content: PROMPT }] };
    const plain = await call(url, {
      method: 'POST',
      headers: anthropicHeaders(key),
      body: JSON.stringify(request),
      signal: ctx.signal,
    });
    if (plain.status !== 200) {
      return {
        status: 'fail',
        summary: `${model}: POST /v1/messages (x-api-key) answered ${plain.status}: ${clip(plain.text)}`,
        fix:
          plain.status === 404 || plain.status === 401
            ? FIX_ROUTE
            : 'Check that Ollama runs and has the model (`ollama list`), or choose another with --model.',
        details: { model, status: plain.status, ms: plain.ms },
      };
    }
    const body = plain.json as
      { type?: unknown; content?: Array<{ type?: unknown; text?: unknown }>; usage?: Usage } | undefined;
    const answer = Array.isArray(body?.content)
      ? body.content
          .filter((b) => b.type === 'text')
          .map((b) => String(b.text ?? ''))
          .join('')
      : '';
    const usageOk = typeof body?.usage?.input_tokens === 'number' && typeof body.usage.output_tokens === 'number';
    if (body?.type !== 'message' || answer === '' || !usageOk) {
      const missing = [
        body?.type !== 'message' && 'type "message"',
        answer === '' && 'text content',
        !usageOk && 'usage',
      ].filter(Boolean);
      return {
        status: 'fail',
        summary: `${model}: the message lacks ${missing.join(', ')}: ${clip(plain.text)}`,
        fix: FIX_ROUTE,
        details: { model, ms: plain.ms },
      };
    }
    const stream = await readSse(url, {
      headers: { ...anthropicHeaders(key), accept: 'text/event-stream' },
      body: JSON.stringify({ ...request, stream: true }),
      signal: ctx.signal,
    });
    const judged = judgeMessagesStream(stream.items);
    const refused = await call(url, {
      method: 'POST',
      headers: anthropicHeaders('llmgw_not_a_key'),
      body: JSON.stringify(request),
      signal: ctx.signal,
    });
    const problems = [
      ...(stream.status !== 200
        ? [`stream status ${stream.status}`]
        : !stream.contentType.startsWith('text/event-stream')
          ? [`content-type ${stream.contentType}`]
          : []),
      ...(stream.broken ? [stream.broken] : []),
      ...judged.problems.map((p) => `stream: ${p}`),
      ...(refused.status !== 401 || !isAnthropicError(refused.json, 'authentication_error')
        ? [`a wrong x-api-key got ${refused.status} ${clip(refused.text, 100)}, not 401 authentication_error`]
        : []),
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
        inputTokens: judged.inputTokens,
        outputTokens: judged.outputTokens,
        firstEventMs: stream.firstItemMs,
        totalMs: stream.totalMs,
        answer: clip(judged.text, 200),
      },
      wrongKey: { status: refused.status, body: clip(refused.text, 200) },
    };
    if (problems.length > 0) {
      const streamBad = stream.status !== 200 || stream.broken !== null || judged.problems.length > 0;
      const fix = stream.status === 404 ? FIX_ROUTE : streamBad ? FIX_STREAM : FIX_ENVELOPE;
      return { status: 'fail', summary: `${model}: ${problems.join('; ')}`, fix, details };
    }
    return {
      status: 'pass',
      summary: `${model}: "${clip(answer, 40)}" via x-api-key; stream message_start…message_stop (${judged.deltas} deltas, ${String(judged.inputTokens)}+${String(judged.outputTokens)} tokens); a wrong key gets authentication_error`,
      details,
    };
  },
};
