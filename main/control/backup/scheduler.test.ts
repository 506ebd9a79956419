// The daily schedule on a real embedded database: due with no backup, not again within a day (a manual backup
// counts), only while a gateway runs and the setting is on, retention down to `keep` (never the user's own
// files), and a failure recorded with its hint and retried at the next check. Time is passed in, not waited for.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seed, withTestStore } from '../../../test/support/backup-data.js';
import { EMBEDDED_DB } from '../embedded/embedded.js';
import type { ControlError } from '../errors.js';
import { backupsDir, createBackup, type BackupMode } from './backups.js';
import { BackupScheduler, DAY_MS } from './scheduler.js';

const homes: string[] = [];
function home(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-schedule-'));
  homes.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scheduler(dir: string, o: { daily?: boolean; keep?: number; mode?: BackupMode | null } = {}) {
  const failures: ControlError[] = [];
  const s = new BackupScheduler({
    home: dir,
    settings: () => ({ daily: o.daily ?? true, keep: o.keep ?? 2 }),
    runningMode: () => (o.mode === undefined ? 'embedded' : o.mode),
    target: async () => ({ mode: 'embedded', home: dir }),
    onFailure: (error) => failures.push(error),
  });
  return { s, failures };
}

const T0 = new Date('2026-12-01T03:00:00Z');
const at = (hours: number) => new Date(T0.getTime() + hours * 3_600_000);

describe('daily backup schedule', () => {
  it('backs up when due, not again within the day, and keeps the newest `keep` of its own files', async () => {
    const dir = home();
    await withTestStore({ sqlitePath: path.join(dir, EMBEDDED_DB) }, (store) => seed(store, ['k']));
    const { s } = scheduler(dir, { keep: 2 });
    const first = await s.tick(at(0));
    expect(first).toMatchObject({ mode: 'embedded', scheduled: true, created_at: T0.toISOString() });
    expect(await s.tick(at(23))).toBeNull();
    expect(s.view(at(23))).toMatchObject({
      daily: true,
      keep: 2,
      last: first,
      nextDueAt: new Date(T0.getTime() + DAY_MS).toISOString(),
      lastError: null,
    });
    // The user's own file in the folder is never pruned.
    writeFileSync(path.join(backupsDir(dir), 'my-copy.llmgw-backup'), 'mine');
    expect(await s.tick(at(24))).not.toBeNull();
    expect(await s.tick(at(48))).not.toBeNull();
    expect(readdirSync(backupsDir(dir)).sort()).toEqual([
      'last.json',
      'llm-gateway-embedded-20261202T030000Z.llmgw-backup',
      'llm-gateway-embedded-20261203T030000Z.llmgw-backup',
      'my-copy.llmgw-backup',
    ]);
  });

  it('counts a manual backup, and does nothing while no gateway runs or when the setting is off', async () => {
    const dir = home();
    await withTestStore({ sqlitePath: path.join(dir, EMBEDDED_DB) }, (store) => seed(store, ['k']));
    await createBackup({ mode: 'embedded', home: dir }, { home: dir, now: at(0) });
    expect(await scheduler(dir).s.tick(at(10))).toBeNull();
    expect(await scheduler(dir, { mode: null }).s.tick(at(30))).toBeNull();
    const off = scheduler(dir, { daily: false });
    expect(await off.s.tick(at(30))).toBeNull();
    expect(off.s.view(at(30)).nextDueAt).toBeNull();
    expect(await scheduler(dir).s.tick(at(30))).toMatchObject({ scheduled: true });
  });

  it('runs backups one at a time (two at once in the same second would share a file)', async () => {
    const dir = home();
    await withTestStore({ sqlitePath: path.join(dir, EMBEDDED_DB) }, (store) => seed(store, ['k']));
    const { s } = scheduler(dir, { keep: 5 });
    const [a, b] = await Promise.all([s.backup('embedded', at(0)), s.backup('embedded', at(0))]);
    expect(a.file).toBe(b.file);
    expect(
      readdirSync(backupsDir(dir)).filter((name) => !name.endsWith('.llmgw-backup') && name !== 'last.json'),
    ).toEqual([]);
  });

  it('records a failure with its hint, reports it, and retries at the next check', async () => {
    const dir = home();
    const { s, failures } = scheduler(dir);
    await expect(s.tick(at(0))).rejects.toMatchObject({ code: 'backup_failed' });
    expect(failures.map((f) => f.code)).toEqual(['backup_failed']);
    expect(s.view(at(0)).lastError).toMatchObject({ message: expect.stringMatching(/no embedded database/) });
    await withTestStore({ sqlitePath: path.join(dir, EMBEDDED_DB) }, (store) => seed(store, ['k']));
    expect(await s.tick(at(1))).toMatchObject({ scheduled: true });
    expect(s.view(at(1)).lastError).toBeNull();
  });
});
