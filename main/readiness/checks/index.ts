// Every check of the suite, in run order (the numbering; disruptive ones last).
import { balanceCheck } from './balance.js';
import { chatCheck } from './chat.js';
import { corsCheck, preflightCheck } from './cors.js';
import { databaseCheck } from './database.js';
import { invalidKeyCheck, requestSizeCheck } from './errors.js';
import { failoverCheck } from './failover.js';
import { healthCheck, readyCheck } from './health.js';
import { modelsCheck } from './models.js';
import { rateLimitCheck } from './rate-limit.js';
import { redisCheck } from './redis.js';
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
  failoverCheck,
];
