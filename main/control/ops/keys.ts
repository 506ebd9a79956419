// Operations on API keys (the key service does the work through the gateway's admin API).
import type { Operations, PlaneContext } from './context.js';

export function keyOperations(
  ctx: PlaneContext,
): Operations<'keys.list' | 'keys.create' | 'keys.revoke' | 'keys.rotate' | 'keys.reveal' | 'keys.setAllowedIps'> {
  return {
    'keys.list': () => ctx.keys.list(),
    'keys.create': (input) => ctx.keys.create(input),
    'keys.revoke': ({ id }) => ctx.keys.revoke(id),
    'keys.rotate': ({ id, graceHours }) => ctx.keys.rotate(id, graceHours),
    'keys.reveal': ({ id }) => ctx.keys.reveal(id),
    'keys.setAllowedIps': ({ id, allowedIps }) => ctx.keys.setAllowedIps(id, allowedIps),
  };
}
