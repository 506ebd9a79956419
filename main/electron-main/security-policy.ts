// The shell's security rules as plain data and functions (no electron import, so they are tested under Node):
// the CSP, which URLs may open in the user's browser, and which frames may talk to the IPC bridge.
import { contentSecurityPolicy, SHELL_CONNECT_SOURCES } from '../../common/protocol/wire.js';

/** The dashboard's CSP (the shared one, see common/protocol/wire.ts) with connections to any local gateway port. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy(SHELL_CONNECT_SOURCES);

/** Hosts the app may open in the default browser (docs, model library, releases). */
export const EXTERNAL_ALLOWLIST: readonly string[] = ['ollama.com', 'github.com', 'docs.docker.com', 'www.docker.com'];

export function isAllowedExternal(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return false;
  return EXTERNAL_ALLOWLIST.includes(url.hostname);
}

/** The sender frame must be our dashboard: the exact file we loaded (file://) or our built-in page. */
export function isTrustedSender(frameUrl: string | undefined, dashboardUrl: string): boolean {
  if (!frameUrl) return false;
  try {
    const a = new URL(frameUrl);
    const b = new URL(dashboardUrl);
    // Compare without query/hash: the SPA may use hash routes.
    return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
  } catch {
    return false;
  }
}
