// `keys show`: one key as aligned "field: value" lines.
import type { OutputStyle } from './output.js';

interface KeyFields {
  id: string;
  name: string;
  prefix: string;
  status: string;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  max_concurrent: number | null;
  cache: boolean;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  replaced_by: string | null;
}

export function renderKey(key: KeyFields, style: OutputStyle): string {
  const limit = (n: number | null) => (n === null ? "gateway's default" : String(n));
  const fields: Array<[string, string]> = [
    ['id', key.id],
    ['name', key.name],
    ['prefix', `${key.prefix}…`],
    ['status', style.status(key.status)],
    ['models', key.models ? key.models.join(', ') : 'all'],
    ['rpm', limit(key.rpm)],
    ['tpm', limit(key.tpm)],
    ['max concurrent', limit(key.max_concurrent)],
    ['response cache', key.cache ? 'on (deterministic requests)' : 'off'],
    ['created', key.created_at],
    ['expires', key.expires_at ?? 'never'],
    ['revoked', key.revoked_at ?? '-'],
    ['last used', key.last_used_at ?? 'never'],
    ['replaced by', key.replaced_by ?? '-'],
  ];
  return fields.map(([label, value]) => `${`${label}:`.padEnd(16)}${value}`).join('\n');
}
