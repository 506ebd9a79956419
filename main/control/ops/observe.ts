// Operations that read what the gateway recorded or sees: usage for the charts, the Ollama hosts with their loaded
// models and load, and the services' log tails.
import path from 'node:path';
import { logTail } from '../logs.js';
import { usageReport } from '../usage.js';
import { hostsReport } from '../upstreams.js';
import type { Operations, PlaneContext } from './context.js';

export function observeOperations(ctx: PlaneContext): Operations<'usage.get' | 'upstreams.get' | 'logs.tail'> {
  return {
    'usage.get': async (input) => usageReport(await ctx.runtime.admin(), input),
    'upstreams.get': async () => hostsReport(await ctx.runtime.admin()),
    'logs.tail': (input) =>
      logTail(ctx.runtime.mode, input, {
        logFile: path.join(ctx.paths.logs, 'embedded-gateway.log'),
        stack: ctx.stack,
      }),
  };
}
