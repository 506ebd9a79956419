// Check 17: Ollama's native API (what Open WebUI's Ollama connection and the `ollama` clients speak) through the
// gateway: GET /api/tags lists only the key's models, and POST /api/chat streams NDJSON by default — several
// message chunks, then a final `done: true` object with prompt_eval_count and eval_count.
// With the admin token the listing is proven with a temporary key allowed one model; with only --key, /api/tags
// must list exactly what /v1/models lists for that key.
import { bearer, call, clip } from '../http.js';
import { readNdjson } from '../stream-read.js';
import type { CheckContext, CheckDefinition, CheckOutcome } from '../types.js';

const FIX_ROUTE = "Update the gateway: it must serve Ollama's native /api/tags and /api/chat with the key as Bearer.";
const FIX_LIST =
  "The gateway must filter /api/tags by the key's allowed models, as /v1/models does: update the gateway.";
const FIX_STREAM =
  'NDJSON streams must pass through unbuffered and intact: check Ollama and that the proxy does not buffer /api/ (proxy_buffering off).';

type Tag = { name?: unknown; model?: unknown };

/** What is wrong with a native chat stream (empty when it is right), with its text and final counts. */
export function judgeNativeStream(objects: Array<Record<string, unknown>>): {
  problems: string[];
  text: string;
  chunks: number;
  promptEvalCount: unknown;
  evalCount: unknown;
} {
  const problems: string[] = [];
  const pieces = objects
    .map((o) => (o.message as { content?: unknown } | undefined)?.content)
    .filter((c): c is string => typeof c === 'string' && c.length > 0);
  const last = objects.at(-1);
  const error = objects.find((o) => 'error' in o);
  if (error) problems.push(`error object ${clip(JSON.stringify(error), 120)}`);
  if (pieces.length < 2) problems.push(`${pieces.length} message chunk(s), expected several`);
  if (last?.done !== true) problems.push('the last object is not done:true');
  else {
    if (typeof last.prompt_eval_count !== 'number') problems.push('the done object lacks prompt_eval_count');
    if (typeof last.eval_count !== 'number') problems.push('the done object lacks eval_count');
  }
  if (objects.slice(0, -1).some((o) => o.done === true)) problems.push('done:true before the last object');
  return {
    problems,
    text: pieces.join(''),
    chunks: pieces.length,
    promptEvalCount: last?.prompt_eval_count,
    evalCount: last?.eval_count,
  };
}

const names = (tags: Tag[]) => tags.map((t) => String(t.name ?? t.model ?? '')).sort();
const sameModel = (a: string, b: string) => a === b || a.replace(/:latest$/, '') === b.replace(/:latest$/, '');

async function tags(ctx: CheckContext, key: string): Promise<{ status: number; text: string; list: string[] | null }> {
  const answer = await call(`${ctx.url}/api/tags`, { headers: bearer(key), signal: ctx.signal });
  const models = (answer.json as { models?: unknown } | undefined)?.models;
  return {
    status: answer.status,
    text: answer.text,
    list: answer.status === 200 && Array.isArray(models) ? names(models as Tag[]) : null,
  };
}

/** Proves /api/tags is filtered per key; returns a problem line or null, and what was seen. */
async function listingProblem(
  ctx: CheckContext,
  key: string,
  model: string,
): Promise<{ problem: string | null; fix: string; seen: Record<string, unknown>; proof?: string }> {
  if (ctx.canAdmin) {
    const limited = await ctx.tempKey({ models: [model], rpm: 1000 });
    try {
      const seen = await tags(ctx, limited.key);
      if (seen.list === null)
        return {
          problem: `GET /api/tags answered ${seen.status}: ${clip(seen.text)}`,
          fix: FIX_ROUTE,
          seen: { status: seen.status },
        };
      const ok = seen.list.length === 1 && sameModel(seen.list[0]!, model);
      return {
        problem: ok ? null : `a key allowed only ${model} sees ${seen.list.join(', ') || 'nothing'} in /api/tags`,
        fix: FIX_LIST,
        seen: { allowed: [model], listed: seen.list },
        proof: `a key allowed only ${model} sees only it in /api/tags`,
      };
    } finally {
      await ctx.revokeKey(limited.id);
    }
  }
  const seen = await tags(ctx, key);
  if (seen.list === null)
    return {
      problem: `GET /api/tags answered ${seen.status}: ${clip(seen.text)}`,
      fix: FIX_ROUTE,
      seen: { status: seen.status },
    };
  const v1 = await call(`${ctx.url}/v1/models`, { headers: bearer(key), signal: ctx.signal });
  const ids = ((v1.json as { data?: Array<{ id?: unknown }> } | undefined)?.data ?? []).map((m) => String(m.id)).sort();
  const same = ids.length === seen.list.length && ids.every((id) => seen.list!.some((name) => sameModel(name, id)));
  return {
    problem: same
      ? null
      : `/api/tags lists ${seen.list.join(', ') || 'nothing'} but /v1/models lists ${ids.join(', ') || 'nothing'}`,
    fix: FIX_LIST,
    seen: { listed: seen.list, v1: ids },
    proof: `/api/tags lists the key's ${ids.length} model(s), as /v1/models does`,
  };
}

export const ollamaNativeCheck: CheckDefinition = {
  id: 'ollama-native',
  number: 17,
  title: 'Ollama native API',
  timeoutMs: 120_000,
  async run(ctx): Promise<CheckOutcome> {
    const [key, model] = [await ctx.key(), await ctx.model()];
    const listing = await listingProblem(ctx, key, model);
    if (listing.problem) {
      return { status: 'fail', summary: listing.problem, fix: listing.fix, details: { model, tags: listing.seen } };
    }
    // No `stream` field: Ollama's native chat streams by default, and clients rely on that.
    const stream = await readNdjson(`${ctx.url}/api/chat`, {
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'Say hello in five words.' }],
        options: { num_predict: 48 },
      }),
      signal: ctx.signal,
    });
    const judged = judgeNativeStream(stream.items);
    const problems = [
      ...(stream.status !== 200
        ? [`status ${stream.status}${stream.tail ? `: ${stream.tail}` : ''}`]
        : !stream.contentType.startsWith('application/x-ndjson')
          ? [`content-type ${stream.contentType}`]
          : []),
      ...(stream.broken ? [stream.broken] : []),
      ...(stream.notJson.length ? [`a line that is not JSON: ${stream.notJson[0]}`] : []),
      ...(stream.status === 200 ? judged.problems : []),
    ];
    const details = {
      model,
      tags: listing.seen,
      chat: {
        status: stream.status,
        objects: stream.items.length,
        chunks: judged.chunks,
        promptEvalCount: judged.promptEvalCount,
        evalCount: judged.evalCount,
        firstObjectMs: stream.firstItemMs,
        totalMs: stream.totalMs,
        answer: clip(judged.text, 200),
      },
    };
    if (problems.length > 0) {
      return {
        status: 'fail',
        summary: `${model}: POST /api/chat: ${problems.join('; ')}`,
        fix: stream.status === 404 || stream.status === 401 ? FIX_ROUTE : FIX_STREAM,
        details,
      };
    }
    return {
      status: 'pass',
      summary: `${listing.proof}; /api/chat streamed ${judged.chunks} NDJSON chunks, done:true with ${String(judged.promptEvalCount)}+${String(judged.evalCount)} eval counts in ${stream.totalMs} ms`,
      details,
    };
  },
};
