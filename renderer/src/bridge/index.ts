// Picks the page's bridge: the Electron preload's `window.llmgw` when present, else the HTTP bridge of serve mode
// with the token from the URL. The rest of the page only ever sees a RendererBridge.
import { createHttpBridge } from './http.js';
import { takeToken } from './token.js';
import type { RendererBridge } from './types.js';

export type BridgeChoice =
  { kind: 'ipc' | 'http'; bridge: RendererBridge } | { kind: 'none'; reason: string; hint: string };

export function pickBridge(
  win: Window & { llmgw?: RendererBridge },
  onConnection?: (connected: boolean) => void,
): BridgeChoice {
  if (win.llmgw && typeof win.llmgw.invoke === 'function') return { kind: 'ipc', bridge: win.llmgw };
  const token = takeToken({
    location: win.location,
    storage: win.sessionStorage,
    replaceUrl: (url) => win.history.replaceState(null, '', url),
  });
  if (!token) {
    return {
      kind: 'none',
      reason: 'This page has no access token.',
      hint: 'Open the dashboard with the full URL that `llm-gateway serve` (or `npm start`) printed; it ends in #token=…',
    };
  }
  return { kind: 'http', bridge: createHttpBridge({ token, ...(onConnection ? { onConnection } : {}) }) };
}
