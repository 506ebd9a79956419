// Wire constants every side must agree on: the serve token's header and URL fragment, and the dashboard's one
// Content-Security-Policy (the Electron shell and the headless `serve` mode send the same policy; only the
// gateway origins the Playground may connect to differ).

/** The header the dashboard sends its serve token in (main/serve checks it). */
export const TOKEN_HEADER = 'x-llmgw-token';

/** Connections the Electron shell allows: any local gateway port (the user may change it in the settings). */
export const SHELL_CONNECT_SOURCES: readonly string[] = ['http://127.0.0.1:*', 'http://localhost:*'];

/**
 * The dashboard's CSP: nothing by default, our own scripts, styles, fonts and images (plus data: images), and
 * connections only to this origin and the given gateway origins; no framing, no forms, no plugins.
 */
export function contentSecurityPolicy(connect: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${connect.join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
