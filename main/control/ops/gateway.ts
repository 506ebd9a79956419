// Operations on the gateway as a whole: the state snapshot, health, start and stop.
import type { Operations, PlaneContext } from './context.js';

export function gatewayOperations(
  ctx: PlaneContext,
): Operations<'state.get' | 'health.refresh' | 'gateway.start' | 'gateway.stop'> {
  return {
    'state.get': async () => ctx.state(),
    'health.refresh': () => ctx.runtime.monitor.refresh(),
    'gateway.start': async () => {
      await ctx.runtime.start();
      await Promise.allSettled([ctx.runtime.monitor.refresh(), ctx.keysChanged()]);
      return ctx.state();
    },
    'gateway.stop': async () => {
      await ctx.runtime.stop();
      await ctx.runtime.monitor.refresh();
      return ctx.state();
    },
  };
}
