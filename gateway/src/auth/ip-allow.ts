// Per-key client-address allow-lists on the hot path: the key's rules (validated when they were stored) are
// compiled once per cached record into a node:net BlockList, so a request costs one lookup, never a query or a parse.
// The address is the one http/client-address.ts reports: the socket's peer, or X-Real-IP when the peer is the
// stack's nginx. IPv4-mapped IPv6 peers (::ffff:a.b.c.d, as dual-stack sockets report IPv4) match IPv4 rules.
import { BlockList, isIP } from 'node:net';
import type { KeyRecord } from '../store/types.js';

const compiled = new WeakMap<KeyRecord, BlockList>();

export function compileRules(rules: readonly string[]): BlockList {
  const list = new BlockList();
  for (const rule of rules) {
    const [address = '', bits] = rule.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** Whether `address` may use the key (always, when the key has no allow-list). */
export function addressAllowed(record: KeyRecord, address: string): boolean {
  if (record.allowedIps === null) return true;
  let list = compiled.get(record);
  if (!list) {
    list = compileRules(record.allowedIps);
    compiled.set(record, list);
  }
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  if (family === 0) return false;
  return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}
