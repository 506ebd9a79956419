// Operations that read what the gateway recorded: usage for the charts and the services' log tails.
import path from 'node:path';
import { logTail } from '../logs.js';
import { usageReport } from '../usage.js';
import type { Operations, PlaneContext } from './context.js';

export function observeOperations(ctx: PlaneContext): Operations<'usage.get' | 'logs.tail'> {
  return {
    'usage.get': async (input) => usageReport(await ctx.runtime.admin(), input),
    'logs.tail': (input) =>
      logTail(ctx.runtime.mode, input, {
        logFile: path.join(ctx.paths.logs, 'embedded-gateway.log'),
        stack: ctx.stack,
      }),
  };
}
