// Check 10 (an invalid key gets 401 in OpenAI's error envelope) and check 13 (an oversize body gets 413 in it).
import { bearer, call, clip, isEnvelope } from '../http.js';
import type { CheckDefinition } from '../types.js';

/** A well-formed key that no gateway has issued. */
export const INVALID_KEY = `llmgw_${'0'.repeat(64)}`;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export const invalidKeyCheck: CheckDefinition = {
  id: 'invalid-key',
  number: 10,
  title: 'Error handling (invalid key)',
  async run(ctx) {
    const answer = await call(`${ctx.url}/v1/models`, { headers: bearer(INVALID_KEY), signal: ctx.signal });
    const details = { status: answer.status, body: answer.json ?? clip(answer.text) };
    if (answer.status !== 401) {
      return {
        status: 'fail',
        summary: `an invalid key got ${answer.status}, not 401`,
        fix: 'Every /v1 route must authenticate: make sure --url reaches the gateway, not an open proxy.',
        details,
      };
    }
    if (!isEnvelope(answer.json, 'invalid_api_key')) {
      return {
        status: 'fail',
        summary: `401 without OpenAI's envelope (code invalid_api_key): ${clip(answer.text)}`,
        fix: 'A proxy in front of the gateway replaced its error body; let errors pass through.',
        details,
      };
    }
    return { status: 'pass', summary: '401 invalid_api_key in the OpenAI envelope', details };
  },
};

export const requestSizeCheck: CheckDefinition = {
  id: 'request-size',
  number: 13,
  title: 'Request size limit',
  async run(ctx) {
    const limit = ctx.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const key = await ctx.key();
    const pad = 'x'.repeat(limit + 1024);
    const body = JSON.stringify({ model: 'readiness-oversize', messages: [{ role: 'user', content: 'hi' }], pad });
    const answer = await call(`${ctx.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      body,
      signal: ctx.signal,
    });
    const details = {
      sentBytes: Buffer.byteLength(body),
      limit,
      status: answer.status,
      body: answer.json ?? clip(answer.text),
    };
    if (answer.status !== 413) {
      return {
        status: 'fail',
        summary: `a ${details.sentBytes}-byte body got ${answer.status}, not 413`,
        fix: `The body limit is not ${limit} bytes: set MAX_BODY_BYTES (and Nginx client_max_body_size) consistently, or pass --max-body-bytes.`,
        details,
      };
    }
    if (!isEnvelope(answer.json, 'request_too_large')) {
      return {
        status: 'fail',
        summary: `413 without OpenAI's envelope: ${clip(answer.text)}`,
        fix: 'Nginx answered before the gateway: make client_max_body_size larger than MAX_BODY_BYTES.',
        details,
      };
    }
    return { status: 'pass', summary: `${details.sentBytes} bytes → 413 request_too_large`, details };
  },
};
