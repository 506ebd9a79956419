// Which requests may reach the serve mode at all: the Host header must name this server (a DNS-rebinding page
// has the attacker's host name there), and a browser's Origin / Sec-Fetch-Site must say "this page" (no cross-site
// use). Pure functions of the headers; the server turns a refusal into a ServeError.
import os from 'node:os';
import { ServeError } from './errors.js';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARDS = ['0.0.0.0', '::', '[::]'];

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Host header values (name:port) this server answers to. */
export function allowedHosts(
  bindHost: string,
  port: number,
  interfaces: () => string[] = interfaceAddresses,
): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  if (WILDCARDS.includes(bindHost)) for (const address of interfaces()) names.add(bracket(address));
  else names.add(bracket(bindHost.toLowerCase()));
  return new Set([...names].map((name) => `${name}:${port}`));
}

function interfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((i): i is os.NetworkInterfaceInfo => i !== undefined)
    .map((i) => i.address.toLowerCase());
}

export interface GuardHeaders {
  host?: string | undefined;
  origin?: string | undefined;
  'sec-fetch-site'?: string | undefined;
}

export function checkHost(headers: GuardHeaders, allowed: Set<string>): void {
  const host = headers.host?.toLowerCase();
  if (!host || !allowed.has(host)) {
    throw new ServeError('bad_host', `Host '${(headers.host ?? '').slice(0, 100)}' is not this dashboard's address.`);
  }
}

/** Same-origin only: an Origin header must be http://<the Host header>; a cross-site fetch is refused outright. */
export function checkOrigin(headers: GuardHeaders): void {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new ServeError('bad_origin', `A ${site} request to the dashboard API was refused.`);
  }
  const origin = headers.origin;
  if (origin === undefined) return; // same-origin GETs and non-browser clients send none; the token still applies
  if (origin !== `http://${headers.host?.toLowerCase() ?? ''}`) {
    throw new ServeError('bad_origin', `Origin '${origin.slice(0, 100)}' may not use the dashboard API.`);
  }
}
