// The serve token: arrives once in the URL fragment (`#token=…`, never sent to a server), is kept in
// sessionStorage for reloads of this tab, and is removed from the address bar at once.
export const TOKEN_KEY = 'llmgw.serve.token';

export interface TokenEnv {
  location: { hash: string; pathname: string; search: string };
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  replaceUrl: (url: string) => void;
}

export function takeToken(env: TokenEnv): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]{16,200})/.exec(env.location.hash);
  if (match) {
    env.storage.setItem(TOKEN_KEY, match[1]!);
    env.replaceUrl(`${env.location.pathname}${env.location.search}#/overview`);
    return match[1]!;
  }
  return env.storage.getItem(TOKEN_KEY);
}
