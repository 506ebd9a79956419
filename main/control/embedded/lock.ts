// The embedded gateway's lock file ($LLMGW_HOME/embedded.lock: pid, port, start time): written when the embedded
// gateway starts on embedded.db, removed when it stops. A restore reads it to refuse replacing the database under a
// running gateway, in this process or another one (the tray, `serve`). A lock whose process is gone (a crash) is
// stale and ignored, so a crash never blocks restores.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const EMBEDDED_LOCK = 'embedded.lock';

const lockSchema = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().nonnegative(),
  started_at: z.string(),
});

export type EmbeddedLock = z.output<typeof lockSchema>;

export function writeEmbeddedLock(home: string, port: number): void {
  const lock: EmbeddedLock = { pid: process.pid, port, started_at: new Date().toISOString() };
  writeFileSync(path.join(home, EMBEDDED_LOCK), `${JSON.stringify(lock)}\n`, { mode: 0o600 });
}

/** Removes the lock only when it is this process's (another process's gateway keeps its own). */
export function removeEmbeddedLock(home: string): void {
  const lock = readLock(home);
  if (lock?.pid === process.pid) rmSync(path.join(home, EMBEDDED_LOCK), { force: true });
}

function readLock(home: string): EmbeddedLock | null {
  try {
    const parsed = lockSchema.safeParse(JSON.parse(readFileSync(path.join(home, EMBEDDED_LOCK), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running embedded gateway's lock, or null when none runs (no lock, unreadable lock, or its process is gone). */
export function runningEmbedded(home: string): EmbeddedLock | null {
  const lock = readLock(home);
  return lock && alive(lock.pid) ? lock : null;
}
