// The dashboard's security headers in serve mode: a strict CSP (our own files only; connections to this server and
// to the gateway the Playground talks to), no framing, no sniffing, no referrer. The CSP itself is the shared one.
import { contentSecurityPolicy } from '../../common/protocol/wire.js';

export { contentSecurityPolicy };

/** Origins of the gateway (http://127.0.0.1:P, http://localhost:P and the running gateway's own). */
export function gatewayOrigins(port: number, gatewayUrl: string | null): string[] {
  const origins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  if (gatewayUrl) {
    try {
      const url = new URL(gatewayUrl);
      origins.add(url.origin);
      if (url.hostname === '127.0.0.1') origins.add(`http://localhost:${url.port}`);
    } catch {
      // a malformed URL adds nothing
    }
  }
  return [...origins];
}

export function securityHeaders(connect: string[]): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(connect),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}
