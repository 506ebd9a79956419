// Every check of the suite, in run order and numbered in that order: the production checks 1-14, one per extra
// protocol (15 Responses, 16 Anthropic Messages, 17 Ollama native), and the disruptive failover last (18).
import { balanceCheck } from './balance.js';
import { chatCheck } from './chat.js';
import { corsCheck, preflightCheck } from './cors.js';
import { databaseCheck } from './database.js';
import { invalidKeyCheck, requestSizeCheck } from './errors.js';
import { failoverCheck } from './failover.js';
import { healthCheck, readyCheck } from './health.js';
import { messagesCheck } from './messages.js';
import { modelsCheck } from './models.js';
import { ollamaNativeCheck } from './ollama-native.js';
import { rateLimitCheck } from './rate-limit.js';
import { redisCheck } from './redis.js';
import { responsesCheck } from './responses.js';
import { servicesCheck } from './services.js';
import { streamingCheck } from './streaming.js';
import type { CheckDefinition } from '../types.js';

export const CHECKS: readonly CheckDefinition[] = [
  servicesCheck,
  healthCheck,
  corsCheck,
  preflightCheck,
  modelsCheck,
  chatCheck,
  databaseCheck,
  redisCheck,
  balanceCheck,
  invalidKeyCheck,
  streamingCheck,
  rateLimitCheck,
  requestSizeCheck,
  readyCheck,
  responsesCheck,
  messagesCheck,
  ollamaNativeCheck,
  failoverCheck,
];
