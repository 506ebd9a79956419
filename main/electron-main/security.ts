// Hardens the session and every web contents: strict CSP header, all permission requests denied, navigation and
// new windows denied (allowlisted https links go to the user's browser instead), no webview attachment.
import { app, session, shell, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY, isAllowedExternal } from './security-policy.js';

export function hardenSession(): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
}

export function openExternalSafely(url: string): void {
  if (isAllowedExternal(url)) void shell.openExternal(url);
}

function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    // The dashboard is a single page: any navigation is either a link (open in the browser if allowed) or an attack.
    event.preventDefault();
    openExternalSafely(url);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(url);
    return { action: 'deny' };
  });
}
