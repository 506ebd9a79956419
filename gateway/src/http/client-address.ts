// The client's address for per-address throttles: the socket's peer, or, when that peer is a trusted proxy (the
// stack's nginx), the address the proxy reports (X-Real-IP, else the last X-Forwarded-For hop it appended).
// Headers from anyone else are ignored, so a client cannot pick its own address. A trusted proxy may be named by
// host name (compose: `nginx`): it is resolved now and every 10 s, as its container's address can change.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export type ClientAddress = (req: IncomingMessage) => string;

const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;
const RESOLVE_EVERY_MS = 10_000;

function addRule(list: BlockList, rule: string): void {
  const [address, bits] = rule.split('/');
  const family = isIP(address ?? '');
  if (family === 0) throw new Error(`TRUSTED_PROXIES: '${rule}' is not an IP address, CIDR or host name`);
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) list.addAddress(address!, type);
  else list.addSubnet(address!, Number(bits), type);
}

/** IPv4-mapped IPv6 (::ffff:10.0.0.1), as Node reports IPv4 peers on a dual-stack socket, as plain IPv4. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function clientAddressResolver(trusted: readonly string[]): ClientAddress {
  if (trusted.length === 0) return (req) => plain(req.socket.remoteAddress ?? 'unknown');
  const list = new BlockList();
  const names = trusted.filter((rule) => isIP(rule.split('/')[0] ?? '') === 0 && HOST_NAME.test(rule));
  for (const rule of trusted) if (!names.includes(rule)) addRule(list, rule);
  let resolved = new Set<string>();
  if (names.length > 0) {
    const resolve = () =>
      Promise.all(names.map((name) => lookup(name, { all: true }).catch(() => [])))
        .then((answers) => (resolved = new Set(answers.flat().map((a) => plain(a.address)))))
        .catch(() => undefined);
    void resolve();
    setInterval(() => void resolve(), RESOLVE_EVERY_MS).unref();
  }
  const isTrusted = (address: string) => {
    if (resolved.has(address)) return true;
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (req) => {
    const peer = plain(req.socket.remoteAddress ?? 'unknown');
    if (!isTrusted(peer)) return peer;
    const real = req.headers['x-real-ip'];
    if (typeof real === 'string' && isIP(real.trim())) return plain(real.trim());
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').pop()?.trim() ?? '';
    return isIP(last) ? plain(last) : peer;
  };
}
