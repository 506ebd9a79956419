// The generic relay for every inference endpoint of every protocol (protocols/*/endpoints.ts describe them):
// authenticate, validate, check the model, admit (one limiter round trip), relay to the best Ollama upstream's
// SAME path (Ollama translates Responses/Messages itself), then account usage off the request path.
// The usage row is recorded BEFORE the answer's last bytes are written (a whole answer's body, a stream's final
// event): with Redis its journal entry is then on the Redis socket before the client can see the answer complete,
// so a replica killed at that instant still leaves the row (issue 18). Failed and cut-off requests are accounted
// when they end, as before.
// Opted-in requests go through the response cache (response-cache/): the lookup runs beside the admission, a hit is
// answered from the entry (no upstream call, usage marked cached), a good miss is stored after it is answered.
import { isUtf8 } from 'node:buffer';
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import type { KeyRecord } from '../store/types.js';
import type { CatalogModel } from '../upstream/catalog.js';
import { canonicalModel } from '../upstream/catalog.js';
import { authenticateKey } from '../auth/authenticate.js';
import { bodyLimits, readJson } from '../http/body.js';
import { admit, estimatePromptTokens, type Admission } from '../limits/admission.js';
import { GatewayError } from '../errors.js';
import { relayStream } from '../upstream/stream-relay.js';
import { readWhole, upstreamFailures, type UpstreamRef } from '../upstream/failures.js';
import type { ResponseBody } from '../upstream/exchange.js';
import { withListedModel, type Endpoint, type Usage } from '../protocols/types.js';
import { exchangeTimeouts, hasTools } from '../upstream/timeouts.js';
import { parseBody } from './schemas.js';
import { CACHE_HEADER, X_CACHE, type CachedAnswer } from '../response-cache/index.js';

export { ENDPOINTS } from '../protocols/index.js';

const STREAM_HEADERS = {
  sse: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
  // Ollama answers NDJSON as application/x-ndjson; nginx must not buffer it either.
  ndjson: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
} as const;

interface Outcome {
  outcome: 'ok' | 'error' | 'aborted';
  status: number;
  promptTokens: number;
  completionTokens: number;
  /** A response-cache hit: the tokens the stored answer reported (prompt/completion are then 0). */
  cachedTokens?: number;
}

export async function resolveModel(deps: GatewayDeps, key: KeyRecord, name: string): Promise<CatalogModel> {
  const id = canonicalModel(name);
  if (key.models && !key.models.some((allowed) => canonicalModel(allowed) === id)) {
    throw new GatewayError('model_not_allowed', `This API key may not use the model '${name}'.`, { param: 'model' });
  }
  let model: CatalogModel | undefined;
  try {
    model = await deps.catalog.find(name);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw upstreamFailures.noCatalog(err);
  }
  if (!model) {
    throw new GatewayError(
      'model_not_found',
      `The model '${name}' does not exist on any Ollama upstream; pull it first (ollama pull ${name}).`,
      { param: 'model' },
    );
  }
  return model;
}

export function proxyHandler(endpoint: Endpoint) {
  return async (ctx: RequestContext, deps: GatewayDeps): Promise<void> => {
    const key = await authenticateKey(ctx, deps);
    const { json, raw } = await readJson(ctx, bodyLimits(deps.config));
    const body = parseBody(endpoint.schema, json);
    const model = await resolveModel(deps, key, body.model);
    const leave = deps.gate.tryEnter();
    if (!leave) {
      throw new GatewayError(
        'gateway_busy',
        `This gateway replica has ${deps.gate.capacity} requests in flight (MAX_CONCURRENT_REQUESTS); retry shortly.`,
        { headers: { 'retry-after': '1' } },
      );
    }
    try {
      await relay(ctx, deps, endpoint, key, body, raw, model);
    } finally {
      leave();
    }
  };
}

/** Admission, the upstream exchange and the answer; every path after an admission settles it (account()). */
async function relay(
  ctx: RequestContext,
  deps: GatewayDeps,
  endpoint: Endpoint,
  key: KeyRecord,
  body: Record<string, unknown>,
  raw: Buffer,
  model: CatalogModel,
): Promise<void> {
  const stream = endpoint.streams(body);
  const cache = deps.responseCache;
  const plan = cache.plan({ header: ctx.req.headers[CACHE_HEADER], key, endpoint, body, model, stream });
  // Beside the admission, so an opted-in request waits about one round trip for both; it never rejects.
  const cached = plan ? cache.lookup(plan) : null;
  const promptEstimate = estimatePromptTokens(raw.length);
  const completionReserve = endpoint.completionReserve(body, deps.config.DEFAULT_COMPLETION_RESERVE);
  const admission = await admit(deps, key, ctx.uid, promptEstimate + completionReserve);

  let clientGone = false;
  let abortUpstream: (() => void) | undefined;
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) {
      clientGone = true;
      abortUpstream?.();
    }
  });

  let accounted = false;
  const accountOnce = (outcome: Outcome): void => {
    if (accounted) return;
    accounted = true;
    account(ctx, deps, key, model.id, endpoint.path, outcome, admission);
  };
  let result: Outcome = { outcome: 'error', status: 502, promptTokens: 0, completionTokens: 0 };
  try {
    const hit = cached ? await cached : null;
    if (hit) {
      // The limits admitted it (RPM counts it); the settle makes its token cost 0: Ollama did no work.
      result = { outcome: 'ok', status: 200, promptTokens: 0, completionTokens: 0, cachedTokens: hit.tokens };
      replay(ctx, deps, endpoint, hit, admission, () => accountOnce(result));
      return;
    }
    const cacheHeader = plan ? X_CACHE[plan.id === null ? 'skip' : 'miss'] : undefined;
    const capture = stream ? cache.capture(plan) : null;
    const sentAt = process.hrtime.bigint();
    // Inside the try: building the upstream body can throw too, and the reservation must be settled anyway.
    const call = deps.upstreams.open({
      method: 'POST',
      path: endpoint.path,
      body: endpoint.upstreamBody
        ? endpoint.upstreamBody(body, raw, stream, model.id)
        : withListedModel(body, raw, model.id),
      candidates: model.upstreams,
      model: model.id,
      timeouts: exchangeTimeouts(deps.config, { stream, tools: hasTools(body) }),
    });
    abortUpstream = () => call.body.abort();
    if (clientGone) call.body.abort();
    const { upstream, statusCode } = await call.response;
    if (stream && statusCode === 200) {
      deps.metrics.activeStreams.inc();
      ctx.upstreamNs += process.hrtime.bigint() - sentAt; // waiting for the first byte is Ollama's time
      ctx.res.writeHead(
        200,
        deps.respond.headers(ctx, admission.headers, STREAM_HEADERS[endpoint.framing], cacheHeader),
      );
      ctx.res.flushHeaders();
      const relayStart = process.hrtime.bigint();
      const reader = endpoint.streamReader({ body, upstream });
      const relayed = await relayStream(call.body, ctx.res, {
        framing: endpoint.framing,
        reader,
        protocol: endpoint.protocol,
        upstream,
        clientGone: () => clientGone,
        maxDurationMs: deps.config.MAX_STREAM_DURATION_MS,
        ...(capture ? { record: (text: string) => capture.add(text) } : {}),
        // The final event carries the usage; the row goes out before that event does.
        beforeFinal: () =>
          accountOnce({
            outcome: 'ok',
            status: 200,
            promptTokens: reader.usage.prompt ?? promptEstimate,
            completionTokens: reader.usage.completion ?? reader.chunks,
          }),
      }).finally(() => deps.metrics.activeStreams.dec());
      ctx.upstreamNs += process.hrtime.bigint() - relayStart;
      if (relayed.error) {
        // The client got the error event naming the upstream's id; the log names its URL (not per chunk: once).
        deps.log.warn(
          { requestId: ctx.requestId, route: ctx.route, code: relayed.error.code, upstream: upstream.url },
          `stream failed: ${relayed.error.message}`,
        );
      }
      result = {
        outcome: relayed.outcome,
        status: 200,
        // A stream cut short (client gone, upstream broke) never reported usage: the prompt estimate stands
        // for the prompt, and the content events seen (one per generated token) for the completion.
        promptTokens: reader.usage.prompt ?? promptEstimate,
        completionTokens: reader.usage.completion ?? reader.chunks,
      };
      // Only a stream that ended cleanly (final event, no error event) is kept, as the exact text the client got.
      const text = relayed.outcome === 'ok' && capture ? capture.text() : null;
      if (plan && text !== null) {
        cache.save(plan, { kind: 'stream', body: text, tokens: result.promptTokens + result.completionTokens });
      }
    } else {
      const whole = await readAnswer(endpoint, call.body, statusCode, upstream, model, promptEstimate);
      ctx.upstreamNs += process.hrtime.bigint() - sentAt;
      result = whole.outcome;
      accountOnce(result);
      const headers = cacheHeader ? { ...admission.headers, ...cacheHeader } : admission.headers;
      deps.respond.raw(ctx, 200, whole.payload, 'application/json', headers);
      // Stored as text: a body that is not UTF-8 could not be replayed byte for byte, so it is not kept.
      if (plan?.id && isUtf8(whole.payload)) {
        const tokens = result.promptTokens + result.completionTokens;
        cache.save(plan, { kind: 'whole', body: whole.payload.toString('utf8'), tokens });
      }
    }
  } catch (err) {
    if (clientGone) {
      result = { outcome: 'aborted', status: 499, promptTokens: promptEstimate, completionTokens: 0 };
      return;
    }
    result = {
      outcome: 'error',
      status: err instanceof GatewayError ? err.status : 500,
      promptTokens: 0,
      completionTokens: 0,
    };
    if (err instanceof GatewayError && err.code === 'model_not_found') void deps.catalog.invalidate();
    throw err;
  } finally {
    accountOnce(result);
  }
}

/** A response-cache hit: the stored body, or the stored event text in the protocol's stream framing. */
function replay(
  ctx: RequestContext,
  deps: GatewayDeps,
  endpoint: Endpoint,
  answer: CachedAnswer,
  admission: Admission,
  account: () => void,
): void {
  // As for an upstream answer, the usage row goes out before the answer's bytes (see the header).
  account();
  if (answer.kind === 'stream') {
    ctx.res.writeHead(200, deps.respond.headers(ctx, admission.headers, STREAM_HEADERS[endpoint.framing], X_CACHE.hit));
    ctx.res.end(answer.body);
    return;
  }
  deps.respond.raw(ctx, 200, answer.body, 'application/json', { ...admission.headers, ...X_CACHE.hit });
}

/** Reads a whole (non-streamed) answer and its usage; the caller records the usage, then writes the answer. */
async function readAnswer(
  endpoint: Endpoint,
  body: ResponseBody,
  statusCode: number,
  upstream: UpstreamRef,
  model: CatalogModel,
  promptEstimate: number,
): Promise<{ outcome: Outcome; payload: Buffer }> {
  const payload = await readWhole(body, upstream);
  if (statusCode !== 200) throw upstreamFailures.answer(statusCode, payload, upstream, model.id);
  let usage: Usage;
  try {
    usage = endpoint.wholeUsage(JSON.parse(payload.toString('utf8')) as unknown);
  } catch {
    throw upstreamFailures.malformedAnswer(upstream);
  }
  const outcome: Outcome = {
    outcome: 'ok',
    status: 200,
    // Ollama's legacy /api/embeddings reports no counts: the estimate keeps TPM honest.
    promptTokens: usage.prompt ?? (usage.completion === null ? promptEstimate : 0),
    completionTokens: usage.completion ?? 0,
  };
  return { outcome, payload };
}

function account(
  ctx: RequestContext,
  deps: GatewayDeps,
  key: KeyRecord,
  model: string,
  endpoint: string,
  result: Outcome,
  admission: Admission,
): void {
  const latencyMs = Number(process.hrtime.bigint() - ctx.startedAt) / 1e6;
  const settle = admission.enforced
    ? { keyId: key.id, requestId: ctx.uid, actualTokens: result.promptTokens + result.completionTokens }
    : null;
  deps.usage.record(
    {
      requestId: ctx.uid,
      keyId: key.id,
      model,
      endpoint,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      status: result.status,
      outcome: result.outcome,
      latencyMs: Math.round(latencyMs),
      replica: deps.instance,
      createdAt: new Date(),
      ...(result.cachedTokens !== undefined ? { cachedTokens: result.cachedTokens } : {}),
    },
    settle,
  );
  deps.metrics.countTokens(model, result.promptTokens, result.completionTokens);
}
