// The one rule for client-address allow-lists (per API key, per stack): a list of IPv4/IPv6 addresses or CIDR
// ranges. The gateway's admin API, the control plane, the CLI and the dashboard form validate with this schema, so
// a list one of them accepts is a list every other one accepts. Matching lives with its users (the gateway uses
// node:net's BlockList; the stack writes nginx `allow` rules), this module only says what a valid rule is.
import { z } from 'zod';

/** The most rules one list may hold: a key's list is checked on every request. */
export const MAX_IP_RULES = 100;

export const ipRuleSchema = z
  .string()
  .trim()
  .pipe(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], { error: 'expected an IPv4/IPv6 address or CIDR' }));

export const allowedIpsSchema = z.array(ipRuleSchema).min(1).max(MAX_IP_RULES);

/** Splits what a person typed (commas, spaces or new lines between rules) into rules; validation is separate. */
export function splitIpRules(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((rule) => rule.trim())
    .filter((rule) => rule.length > 0);
}
