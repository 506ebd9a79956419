// `llm-gateway backup` / `restore` as a user runs them in embedded mode (LLMGW_HOME, real SQLite): the default
// file, the restore picking the file's mode under `auto`, and the exit codes and next steps of refusals.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seed, snapshot, withTestStore } from '../../test/support/backup-data.js';
import { EMBEDDED_DB } from '../control/embedded/embedded.js';
import { runBackup, runRestore } from './backup-command.js';
import { failureOf } from './exit.js';

const homes: string[] = [];
function home(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-backup-cli-'));
  homes.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function failure(run: () => Promise<unknown>) {
  const error = await run().then(
    () => null,
    (err: unknown) => err,
  );
  const rendered = failureOf(error);
  expect(rendered, String(error)).not.toBeNull();
  return rendered!;
}

describe('llm-gateway backup / restore (embedded)', () => {
  it('writes the default file, prints how to restore it, and restores it under auto mode', async () => {
    const dir = home();
    const env = { LLMGW_HOME: dir };
    const db = { sqlitePath: path.join(dir, EMBEDDED_DB) };
    const before = await withTestStore(db, async (store) => {
      await seed(store, ['cli-app']);
      return snapshot(store);
    });
    const lines: string[] = [];
    await runBackup({ mode: 'embedded', env, out: (line) => lines.push(line) });
    expect(lines[0]).toMatch(/^Backed up the embedded database to .*llm-gateway-embedded-.*\.llmgw-backup$/);
    const file = lines[0]!.replace(/^Backed up the embedded database to /, '');
    expect(lines[1]).toContain(`llm-gateway restore '${file}'`);

    await withTestStore(db, (store) => seed(store, ['later']));
    // No --mode and no settings file (auto): the file's kind picks embedded mode.
    const restored: string[] = [];
    await runRestore(file, { env, out: (line) => restored.push(line) });
    expect(restored[0]).toMatch(/^Restored .* into embedded mode\.$/);
    expect(await withTestStore(db, snapshot)).toEqual(before);
  });

  it('prints the backup record as JSON', async () => {
    const dir = home();
    await withTestStore({ sqlitePath: path.join(dir, EMBEDDED_DB) }, (store) => seed(store, ['x']));
    const lines: string[] = [];
    const to = path.join(dir, 'elsewhere', 'mine.llmgw-backup');
    await runBackup({ mode: 'embedded', to, json: true, env: { LLMGW_HOME: dir }, out: (line) => lines.push(line) });
    expect(JSON.parse(lines[0]!)).toMatchObject({ file: to, mode: 'embedded', scheduled: false });
  });

  it('refuses a damaged file with exit code 6 and says nothing was changed', async () => {
    const dir = home();
    const env = { LLMGW_HOME: dir };
    await withTestStore({ sqlitePath: path.join(dir, EMBEDDED_DB) }, (store) => seed(store, ['x']));
    const to = path.join(dir, 'b.llmgw-backup');
    await runBackup({ mode: 'embedded', to, env, out: () => undefined });
    const bytes = readFileSync(to);
    writeFileSync(to, bytes.subarray(0, bytes.length - 10));
    const result = await failure(() => runRestore(to, { env, out: () => undefined }));
    expect(result.exit).toBe(6);
    expect(result.text).toMatch(/^llm-gateway: .*b\.llmgw-backup is not a usable backup: it is truncated/);
    expect(result.text).toMatch(/\nNothing was changed\./);
  });

  it('refuses a SQLite backup for the stack before looking for the stack', async () => {
    const dir = home();
    const env = { LLMGW_HOME: dir };
    await withTestStore({ sqlitePath: path.join(dir, EMBEDDED_DB) }, (store) => seed(store, ['x']));
    const to = path.join(dir, 'b.llmgw-backup');
    await runBackup({ mode: 'embedded', to, env, out: () => undefined });
    // DOCKER_HOST nowhere: reaching for the Engine would fail differently.
    const result = await failure(() =>
      runRestore(to, { mode: 'stack', env: { ...env, DOCKER_HOST: 'unix:///nonexistent.sock' }, out: () => undefined }),
    );
    expect(result.exit).toBe(6);
    expect(result.text).toMatch(/is a SQLite \(embedded mode\) backup, but the restore is for the stack \(--mode\)/);
    expect(result.text).toMatch(/--mode embedded/);
  });

  it('backup in stack mode without a Docker Engine says how to get one', async () => {
    const dir = home();
    const result = await failure(() =>
      runBackup({
        mode: 'stack',
        env: { LLMGW_HOME: dir, DOCKER_HOST: 'unix:///nonexistent.sock' },
        out: () => undefined,
      }),
    );
    expect(result.text).toMatch(/No Docker Engine answered/);
  });
});
