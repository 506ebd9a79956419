// Checks 3 and 4: CORS owned by one party. An answer to a request with an Origin carries exactly one
// Access-Control-Allow-Origin (`*` or that origin); a preflight without a key gets methods, headers and max-age.
import { rawRequest, type RawAnswer } from '../http.js';
import type { CheckContext, CheckDefinition, CheckOutcome } from '../types.js';

export const DEFAULT_ORIGIN = 'http://localhost:5173';

const FIX_DUPLICATE =
  'Only the gateway may add CORS headers: remove add_header Access-Control-* from the proxy (Nginx) config.';
const FIX_PREFLIGHT =
  'Preflights are answered by the gateway without a key: make sure no proxy answers OPTIONS itself or strips its headers.';
const FIX_NOT_ALLOWED =
  'Add the origin to the gateway\'s CORS_ORIGINS (or "*"), or run with --origin <an allowed origin>.';

function originProblem(answer: RawAnswer, origin: string): { summary: string; fix: string } | null {
  const values = answer.headers.get('access-control-allow-origin') ?? [];
  const split = values.flatMap((value) => value.split(',').map((part) => part.trim()));
  if (split.length === 0)
    return { summary: `no Access-Control-Allow-Origin for Origin ${origin}`, fix: FIX_NOT_ALLOWED };
  if (split.length > 1)
    return { summary: `${split.length} Access-Control-Allow-Origin values: ${split.join(' | ')}`, fix: FIX_DUPLICATE };
  if (split[0] !== '*' && split[0] !== origin) {
    return { summary: `Access-Control-Allow-Origin is ${split[0]}, not * or ${origin}`, fix: FIX_NOT_ALLOWED };
  }
  return null;
}

async function corsOn(ctx: CheckContext, path: string, headers: Record<string, string>, origin: string) {
  const answer = await rawRequest(`${ctx.url}${path}`, {
    method: 'GET',
    headers: { origin, ...headers },
    signal: ctx.signal,
  });
  return {
    path,
    status: answer.status,
    allowOrigin: answer.headers.get('access-control-allow-origin') ?? [],
    problem: originProblem(answer, origin),
  };
}

export const corsCheck: CheckDefinition = {
  id: 'cors',
  number: 3,
  title: 'CORS',
  async run(ctx): Promise<CheckOutcome> {
    const origin = ctx.options.origin ?? DEFAULT_ORIGIN;
    const key = await ctx.key();
    // A real API answer and an error answer: both must carry exactly one allowed value.
    const seen = [
      await corsOn(ctx, '/v1/models', { authorization: `Bearer ${key}` }, origin),
      await corsOn(ctx, '/v1/models', {}, origin),
    ];
    const details = { origin, answers: seen.map(({ problem: _p, ...rest }) => rest) };
    const bad = seen.find((answer) => answer.problem);
    if (bad?.problem) {
      return {
        status: 'fail',
        summary: `GET ${bad.path} (${bad.status}): ${bad.problem.summary}`,
        fix: bad.problem.fix,
        details,
      };
    }
    return {
      status: 'pass',
      summary: `one Access-Control-Allow-Origin (${seen[0]!.allowOrigin[0]}) for ${origin}`,
      details,
    };
  },
};

function list(answer: RawAnswer, name: string): string[] {
  return (answer.headers.get(name) ?? [])
    .flatMap((value) => value.split(','))
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);
}

export const preflightCheck: CheckDefinition = {
  id: 'cors-preflight',
  number: 4,
  title: 'CORS preflight',
  async run(ctx): Promise<CheckOutcome> {
    const origin = ctx.options.origin ?? DEFAULT_ORIGIN;
    const answer = await rawRequest(`${ctx.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'Authorization, Content-Type',
      },
      signal: ctx.signal,
    });
    const methods = list(answer, 'access-control-allow-methods');
    const headers = list(answer, 'access-control-allow-headers');
    const maxAge = answer.headers.get('access-control-max-age') ?? [];
    const details = { origin, status: answer.status, methods, headers, maxAge };
    const problems: string[] = [];
    if (answer.status < 200 || answer.status > 299)
      problems.push(`status ${answer.status} (a preflight must succeed without a key)`);
    const originIssue = originProblem(answer, origin);
    if (originIssue) problems.push(originIssue.summary);
    if (!methods.includes('post')) problems.push('POST not in Access-Control-Allow-Methods');
    for (const wanted of ['authorization', 'content-type']) {
      if (!headers.includes(wanted)) problems.push(`${wanted} not in Access-Control-Allow-Headers`);
    }
    if (maxAge.length !== 1 || !(Number(maxAge[0]) > 0))
      problems.push(`Access-Control-Max-Age is ${maxAge.join(', ') || 'missing'}`);
    if (problems.length > 0) {
      return {
        status: 'fail',
        summary: `OPTIONS /v1/chat/completions: ${problems.join('; ')}`,
        fix: originIssue?.fix ?? FIX_PREFLIGHT,
        details,
      };
    }
    return {
      status: 'pass',
      summary: `${answer.status}, methods ${methods.length}, headers ${headers.join(', ')}, max-age ${maxAge[0]}`,
      details,
    };
  },
};
