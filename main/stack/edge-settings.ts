// The stack's edge settings (HTTPS and the client allow-list on nginx) and its optional monitoring services, read from the effective stack values
// (stack.env, then the caller's environment: `llm-gateway up --tls`, the app's settings) and validated here, before
// compose runs, so a typo is a clear error instead of an nginx that will not start.
import { z } from 'zod';
import { allowedIpsSchema, splitIpRules } from '../../common/protocol/ip-rules.js';
import { StackError } from './errors.js';
import type { StackValues } from './env-file.js';

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

const edgeSchema = z.object({
  LLMGW_TLS: flag.default(false),
  LLMGW_TLS_PORT: z.coerce.number().int().min(1).max(65535).default(3443),
  LLMGW_TLS_CERT: z.string().min(1).optional(),
  LLMGW_TLS_KEY: z.string().min(1).optional(),
  LLMGW_TLS_REDIRECT: flag.default(false),
  /** Only honoured with the user's own certificate; on by default there. */
  LLMGW_TLS_HSTS: flag.default(true),
  /** The `monitoring` profile (Prometheus); LLMGW_GRAFANA adds Grafana (and implies monitoring). */
  LLMGW_MONITORING: flag.default(false),
  LLMGW_GRAFANA: flag.default(false),
  LLMGW_ALLOW_IPS: z
    .string()
    .transform(splitIpRules)
    .pipe(z.union([z.array(z.never()).length(0), allowedIpsSchema]))
    .default([]),
});

export interface EdgeSettings {
  tls: {
    port: number;
    certFile: string | undefined;
    keyFile: string | undefined;
    redirect: boolean;
    hsts: boolean;
  } | null;
  allowIps: string[];
  /** Compose profiles of the optional monitoring services to enable on `up`. */
  monitoringProfiles: Array<'monitoring' | 'grafana'>;
}

export function edgeSettings(values: StackValues): EdgeSettings {
  const present = Object.fromEntries(
    Object.entries(values).filter(([key, value]) => key in edgeSchema.shape && value !== ''),
  );
  const parsed = edgeSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StackError(
      'invalid_setting',
      `${String(issue.path[0] ?? 'setting')}: ${issue.message} (got '${values[String(issue.path[0])] ?? ''}').`,
    );
  }
  const v = parsed.data;
  return {
    tls: v.LLMGW_TLS
      ? {
          port: v.LLMGW_TLS_PORT,
          certFile: v.LLMGW_TLS_CERT,
          keyFile: v.LLMGW_TLS_KEY,
          redirect: v.LLMGW_TLS_REDIRECT,
          hsts: v.LLMGW_TLS_HSTS,
        }
      : null,
    allowIps: v.LLMGW_ALLOW_IPS,
    monitoringProfiles: v.LLMGW_GRAFANA ? ['monitoring', 'grafana'] : v.LLMGW_MONITORING ? ['monitoring'] : [],
  };
}
