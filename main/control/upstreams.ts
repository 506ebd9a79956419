// The Ollama hosts for the dashboard: GET /admin/upstreams of the running gateway, validated here (it crosses a
// process boundary) and handed on as the protocol's HostsReport.
import { z } from 'zod';
import { ControlError } from './errors.js';
import type { AdminClient } from './keys/admin-client.js';
import type { HostsReport } from '../../common/protocol/views.js';
export type { HostsReport, HostView } from '../../common/protocol/views.js';

const hostSchema = z.object({
  name: z.string(),
  url: z.string(),
  healthy: z.boolean(),
  version: z.string().nullable(),
  lastError: z.string().nullable(),
  inFlight: z.number().int().nonnegative(),
  parallel: z.number().int().positive().nullable(),
  busy: z.boolean(),
  loaded: z.array(
    z.object({
      name: z.string(),
      expiresAt: z.string(),
      sizeVram: z.number().nullable(),
      contextLength: z.number().nullable(),
      inFlight: z.number().int().nonnegative(),
      saturated: z.boolean(),
    }),
  ),
});

const answerSchema = z.object({ instance: z.string(), data: z.array(hostSchema) });

export async function hostsReport(admin: AdminClient): Promise<HostsReport> {
  const parsed = answerSchema.safeParse(await admin.upstreams());
  if (!parsed.success) {
    throw new ControlError(
      'gateway_error',
      'The gateway answered /admin/upstreams in an unexpected shape; is the gateway the same version as the app?',
    );
  }
  return { instance: parsed.data.instance, hosts: parsed.data.data };
}
