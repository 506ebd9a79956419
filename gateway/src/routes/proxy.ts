// The generic relay for every inference endpoint of every protocol (protocols/*/endpoints.ts describe them):
// authenticate, validate, check the model, admit (one limiter round trip), relay to the best Ollama upstream's
// SAME path (Ollama translates Responses/Messages itself), then account usage off the request path.
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
import { isTimeoutError } from '../upstream/pool.js';
import type { ResponseBody } from '../upstream/exchange.js';
import { withListedModel, type Endpoint, type Usage } from '../protocols/types.js';
import { exchangeTimeouts, hasTools } from '../upstream/timeouts.js';
import { parseBody } from './schemas.js';

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
    throw new GatewayError('upstream_unavailable', 'No Ollama upstream answered the model list.', { cause: err });
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
    const model = await resolveModel(deps, key, body.model as string);
    const stream = endpoint.streams(body);
    const promptEstimate = estimatePromptTokens(raw.length);
    const completionReserve = endpoint.completionReserve(body, deps.config.DEFAULT_COMPLETION_RESERVE);
    const admission = await admit(deps, key, ctx.uid, promptEstimate + completionReserve);

    const sentAt = process.hrtime.bigint();
    const call = deps.upstreams.open({
      method: 'POST',
      path: endpoint.path,
      body: endpoint.upstreamBody
        ? endpoint.upstreamBody(body, raw, stream, model.id)
        : withListedModel(body, raw, model.id),
      candidates: model.upstreams,
      timeouts: exchangeTimeouts(deps.config, { stream, tools: hasTools(body) }),
    });
    let clientGone = false;
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) {
        clientGone = true;
        call.body.abort();
      }
    });

    let result: Outcome = { outcome: 'error', status: 502, promptTokens: 0, completionTokens: 0 };
    try {
      const { upstream, statusCode } = await call.response;
      if (stream && statusCode === 200) {
        deps.metrics.activeStreams.inc();
        ctx.upstreamNs += process.hrtime.bigint() - sentAt; // waiting for the first byte is Ollama's time
        ctx.res.writeHead(200, deps.respond.headers(ctx, admission.headers, STREAM_HEADERS[endpoint.framing]));
        ctx.res.flushHeaders();
        const relayStart = process.hrtime.bigint();
        const reader = endpoint.streamReader({ body, upstreamUrl: upstream.url });
        const relayed = await relayStream(call.body, ctx.res, {
          framing: endpoint.framing,
          reader,
          protocol: endpoint.protocol,
          upstreamUrl: upstream.url,
          clientGone: () => clientGone,
        }).finally(() => deps.metrics.activeStreams.dec());
        ctx.upstreamNs += process.hrtime.bigint() - relayStart;
        result = {
          outcome: relayed.outcome,
          status: 200,
          // A stream cut short (client gone, upstream broke) never reported usage: the prompt estimate stands
          // for the prompt, and the content events seen (one per generated token) for the completion.
          promptTokens: reader.usage.prompt ?? promptEstimate,
          completionTokens: reader.usage.completion ?? reader.chunks,
        };
      } else {
        result = await answerWhole(
          ctx,
          deps,
          endpoint,
          call.body,
          statusCode,
          upstream.url,
          model,
          admission,
          promptEstimate,
        );
        ctx.upstreamNs += process.hrtime.bigint() - sentAt;
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
      account(ctx, deps, key, model.id, endpoint.path, result, admission);
    }
  };
}

/** Reads a whole upstream body, mapping a stall or a broken socket to the upstream's fault (504/502). */
export async function readWhole(body: ResponseBody, upstreamUrl: string): Promise<Buffer> {
  // The body can still fail after the headers came: an upstream that stalls mid-body hits the idle timeout
  // (undici's UND_ERR_BODY_TIMEOUT), one that drops the socket fails the read. Both are the upstream's fault:
  // answer 504/502 in the envelope, not the 500 internal_error an unmapped undici error would become
  // (found by the fault suite, scenario 7: failWith=stall-mid-stream on a non-streaming request).
  try {
    return await body.readAll();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    if (isTimeoutError(err)) {
      throw new GatewayError(
        'upstream_timeout',
        `Ollama at ${upstreamUrl} stalled while sending its answer (idle timeout).`,
        { cause: err },
      );
    }
    throw new GatewayError('upstream_error', `Ollama at ${upstreamUrl} broke off its answer: ${String(err)}.`, {
      cause: err,
    });
  }
}

async function answerWhole(
  ctx: RequestContext,
  deps: GatewayDeps,
  endpoint: Endpoint,
  body: ResponseBody,
  statusCode: number,
  upstreamUrl: string,
  model: CatalogModel,
  admission: Admission,
  promptEstimate: number,
): Promise<Outcome> {
  const payload = await readWhole(body, upstreamUrl);
  if (statusCode !== 200) throw upstreamFailure(statusCode, payload, upstreamUrl, model.id);
  let usage: Usage;
  try {
    usage = endpoint.wholeUsage(JSON.parse(payload.toString('utf8')) as unknown);
  } catch {
    throw new GatewayError('upstream_error', `Ollama at ${upstreamUrl} returned a malformed JSON answer.`);
  }
  deps.respond.raw(ctx, 200, payload, 'application/json', admission.headers);
  return {
    outcome: 'ok',
    status: 200,
    // Ollama's legacy /api/embeddings reports no counts: the estimate keeps TPM honest.
    promptTokens: usage.prompt ?? (usage.completion === null ? promptEstimate : 0),
    completionTokens: usage.completion ?? 0,
  };
}

/** Maps an upstream error answer to the gateway's table, keeping Ollama's message where it helps the caller. */
export function upstreamFailure(status: number, payload: Buffer, upstreamUrl: string, model: string): GatewayError {
  let message = payload.toString('utf8').slice(0, 500);
  try {
    // Ollama's errors: {"error":"..."} natively, {"error":{"message"}} on /v1, {"type":"error","error":{...}} on /v1/messages.
    const parsed = JSON.parse(message) as { error?: string | { message?: string } };
    const error = parsed.error;
    message = typeof error === 'string' ? error : (error?.message ?? message);
  } catch {
    // not JSON: keep the text
  }
  if (status === 404) {
    return new GatewayError('model_not_found', `The model '${model}' is not available: ${message}`, { param: 'model' });
  }
  if (status >= 400 && status < 500) return new GatewayError('invalid_request', message);
  if (status === 503) {
    return new GatewayError('upstream_unavailable', `Ollama at ${upstreamUrl} is unavailable (503): ${message}`);
  }
  return new GatewayError('upstream_error', `Ollama at ${upstreamUrl} answered ${status}: ${message}`);
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
    },
    settle,
  );
  deps.metrics.countTokens(model, result.promptTokens, result.completionTokens);
}
