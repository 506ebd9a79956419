// Settings: defaults, round trip, migration 1 → 2, corrupt and partly invalid files (defaults + warnings, no crash).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings, migrateV1 } from './schema.js';
import { applyPatch, loadSettings, saveSettings } from './store.js';

const dirs: string[] = [];
function file() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-settings-'));
  dirs.push(dir);
  return path.join(dir, 'settings.json');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('settings', () => {
  it('gives defaults for a missing file: auto mode, start at login off', () => {
    const { settings, warnings } = loadSettings(file());
    expect(warnings).toEqual([]);
    expect(settings).toEqual(defaultSettings());
    expect(settings).toMatchObject({
      version: 2,
      mode: 'auto',
      startAtLogin: false,
      startStackOnLaunch: false,
      ports: { gateway: 3000 },
    });
  });

  it('round-trips a saved file', () => {
    const f = file();
    const changed = applyPatch(defaultSettings(), {
      mode: 'embedded',
      ports: { gateway: 3100 },
      defaultLimits: { rpm: 10 },
    });
    saveSettings(f, changed);
    expect(loadSettings(f).settings).toEqual(changed);
    expect(changed.ports).toEqual({ gateway: 3100, postgres: 15432, redis: 16379 });
    expect(changed.defaultLimits).toEqual({ rpm: 10, tpm: 100_000 });
  });

  it('migrates version 1 to 2 and rewrites the file', () => {
    const f = file();
    writeFileSync(
      f,
      JSON.stringify({
        version: 1,
        useDocker: false,
        port: 3300,
        ollama: 'http://10.0.0.5:11434',
        startAtLogin: true,
        rpm: 5,
      }),
    );
    const { settings, migrated, warnings } = loadSettings(f);
    expect(warnings).toEqual([]);
    expect(migrated).toBe(true);
    expect(settings).toMatchObject({
      version: 2,
      mode: 'embedded',
      ollamaUrl: 'http://10.0.0.5:11434',
      ports: { gateway: 3300, postgres: 15432 },
      startAtLogin: true,
      defaultLimits: { rpm: 5, tpm: 100_000 },
    });
    expect(JSON.parse(readFileSync(f, 'utf8')).version).toBe(2);
    expect(migrateV1({ version: 1, useDocker: true }).mode).toBe('stack');
    expect(migrateV1({ version: 1 }).mode).toBe('auto');
  });

  it('treats a file without a version as version 1', () => {
    const f = file();
    writeFileSync(f, JSON.stringify({ useDocker: true }));
    expect(loadSettings(f).settings.mode).toBe('stack');
  });

  it('survives a corrupt file: defaults, a warning, and the bad file kept aside', () => {
    const f = file();
    writeFileSync(f, '{"version": 2, "mode": "sta');
    const { settings, warnings } = loadSettings(f);
    expect(settings).toEqual(defaultSettings());
    expect(warnings[0]).toMatch(/not valid JSON/);
    expect(existsSync(`${f}.bad`)).toBe(true);
    for (const junk of ['[]', '42', 'null']) {
      writeFileSync(f, junk);
      expect(loadSettings(f).settings).toEqual(defaultSettings());
    }
  });

  it('keeps valid fields and defaults only the invalid ones', () => {
    const f = file();
    writeFileSync(
      f,
      JSON.stringify({
        version: 2,
        mode: 'warp',
        ollamaUrl: 'http://ollama:11434',
        ports: { gateway: 99999, redis: 6380 },
        startAtLogin: 'yes',
      }),
    );
    const { settings, warnings } = loadSettings(f);
    expect(settings.mode).toBe('auto');
    expect(settings.ollamaUrl).toBe('http://ollama:11434');
    expect(settings.ports).toEqual({ gateway: 3000, postgres: 15432, redis: 6380 });
    expect(settings.startAtLogin).toBe(false);
    expect(warnings.join('\n')).toMatch(/mode/);
    expect(warnings.join('\n')).toMatch(/ports\.gateway/);
  });

  it('backup schedule: on daily keeping 7 by default, patched field by field, a bad keep falls back alone', () => {
    expect(defaultSettings().backup).toEqual({ daily: true, keep: 7 });
    const s = applyPatch(defaultSettings(), { backup: { keep: 30 } });
    expect(applyPatch(s, { backup: { daily: false } }).backup).toEqual({ daily: false, keep: 30 });
    const f = file();
    writeFileSync(f, JSON.stringify({ version: 2, backup: { daily: false, keep: 0 } }));
    const { settings, warnings } = loadSettings(f);
    expect(settings.backup).toEqual({ daily: false, keep: 7 });
    expect(warnings.join('\n')).toMatch(/backup\.keep/);
  });

  it('patches never reset a field to its default through an explicit undefined', () => {
    const s = applyPatch(defaultSettings(), { mode: 'stack' });
    expect(applyPatch(s, { mode: undefined, startAtLogin: true })).toMatchObject({ mode: 'stack', startAtLogin: true });
  });
});
