// A copied API key does not stay on the clipboard forever: after a while it is cleared, but only if the clipboard
// still holds that key (what the user copied since is left alone). No electron import, so it is tested under Node.

/** How long a copied key stays on the clipboard. */
export const CLIPBOARD_CLEAR_MS = 60_000;

export interface ClipboardLike {
  readText(): string;
  writeText(text: string): void;
  clear(): void;
}

/** Writes `secret` and schedules its removal; returns a cancel function (the timer never holds the process open). */
export function copySecret(clipboard: ClipboardLike, secret: string, clearAfterMs = CLIPBOARD_CLEAR_MS): () => void {
  clipboard.writeText(secret);
  const timer = setTimeout(() => {
    if (clipboard.readText() === secret) clipboard.clear();
  }, clearAfterMs);
  timer.unref?.();
  return () => clearTimeout(timer);
}
