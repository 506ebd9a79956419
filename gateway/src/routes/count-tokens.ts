// POST /v1/messages/count_tokens: Anthropic clients (Claude Code) call it before sending; Ollama has no such
// route, so the gateway answers an ESTIMATE (about 4 bytes of JSON per token, the same rule as the TPM reserve)
// after the same key and allow-list checks. It is not a model call: no limiter, no usage row.
import type { RequestContext } from '../http/context.js';
import type { GatewayDeps } from '../deps.js';
import { authenticateKey } from '../auth/authenticate.js';
import { bodyLimits, readJson } from '../http/body.js';
import { estimatePromptTokens } from '../limits/admission.js';
import { countTokensBody } from '../protocols/anthropic/schemas.js';
import { parseBody } from './schemas.js';
import { resolveModel } from './proxy.js';

export async function countTokens(ctx: RequestContext, deps: GatewayDeps): Promise<void> {
  const key = await authenticateKey(ctx, deps);
  const { json } = await readJson(ctx, bodyLimits(deps.config));
  const body = parseBody(countTokensBody, json);
  await resolveModel(deps, key, body.model);
  const counted = JSON.stringify({ system: body.system, messages: body.messages, tools: body.tools });
  deps.respond.json(ctx, 200, { input_tokens: estimatePromptTokens(Buffer.byteLength(counted)) });
}
