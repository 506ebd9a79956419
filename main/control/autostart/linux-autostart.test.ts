import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUTOSTART_FILE,
  autostartCommand,
  autostartDir,
  desktopEntry,
  execValue,
  quoteExecArg,
  syncLinuxAutostart,
} from './linux-autostart.js';

describe('linux autostart', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tmp = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-autostart-'));
    dirs.push(dir);
    return dir;
  };
  const keys = (content: string) =>
    Object.fromEntries(
      content
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );

  it('uses $XDG_CONFIG_HOME/autostart, ~/.config/autostart when unset or relative', () => {
    expect(autostartDir({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/u')).toBe('/x/cfg/autostart');
    expect(autostartDir({}, '/home/u')).toBe('/home/u/.config/autostart');
    expect(autostartDir({ XDG_CONFIG_HOME: 'rel/cfg' }, '/home/u')).toBe('/home/u/.config/autostart');
  });

  it('starts the AppImage when running from one, else the executable (plus the app folder when unpackaged)', () => {
    expect(
      autostartCommand({
        env: { APPIMAGE: '/home/u/Apps/llm-gateway.AppImage' },
        execPath: '/tmp/.mount_x/llm-gateway',
      }),
    ).toEqual(['/home/u/Apps/llm-gateway.AppImage']);
    expect(autostartCommand({ env: {}, execPath: '/opt/LLM Gateway/llm-gateway' })).toEqual([
      '/opt/LLM Gateway/llm-gateway',
    ]);
    expect(autostartCommand({ env: {}, execPath: '/w/node_modules/electron/dist/electron', appPath: '/w' })).toEqual([
      '/w/node_modules/electron/dist/electron',
      '/w',
    ]);
  });

  it('quotes Exec arguments per the Desktop Entry spec', () => {
    expect(quoteExecArg('/usr/bin/llm-gateway')).toBe('/usr/bin/llm-gateway');
    expect(quoteExecArg('/opt/LLM Gateway/llm-gateway')).toBe('"/opt/LLM Gateway/llm-gateway"');
    expect(quoteExecArg('/a/$HOME/"x"`y`')).toBe('"/a/\\$HOME/\\"x\\"\\`y\\`"');
    expect(quoteExecArg('/a/100%')).toBe('/a/100%%');
    expect(quoteExecArg('')).toBe('""');
    // A literal backslash in a quoted argument: escaped for the quoting, then again for the string value → four.
    expect(execValue(['/a\\b c'])).toBe('"/a\\\\\\\\b c"');
    expect(execValue(['/opt/LLM Gateway/llm-gateway', '/w'])).toBe('"/opt/LLM Gateway/llm-gateway" /w');
  });

  it('writes the entry when enabled, with the keys session managers read', () => {
    const root = tmp();
    const env = { XDG_CONFIG_HOME: path.join(root, 'config') };
    const result = syncLinuxAutostart({ enabled: true, command: ['/opt/LLM Gateway/llm-gateway'], env });
    expect(result).toEqual({ file: path.join(root, 'config', 'autostart', AUTOSTART_FILE), changed: true });
    const content = readFileSync(result.file, 'utf8');
    expect(content.startsWith('[Desktop Entry]\n')).toBe(true);
    expect(keys(content)).toMatchObject({
      Type: 'Application',
      Name: 'LLM Gateway',
      Exec: '"/opt/LLM Gateway/llm-gateway"',
      Terminal: 'false',
      'X-GNOME-Autostart-enabled': 'true',
      Hidden: 'false',
    });
    expect(content).toBe(desktopEntry(['/opt/LLM Gateway/llm-gateway']));
  });

  it('is idempotent, rewrites a stale entry (AppImage moved) and leaves no temporary file', () => {
    const root = tmp();
    const env = { XDG_CONFIG_HOME: root };
    expect(syncLinuxAutostart({ enabled: true, command: ['/a/old.AppImage'], env }).changed).toBe(true);
    expect(syncLinuxAutostart({ enabled: true, command: ['/a/old.AppImage'], env }).changed).toBe(false);
    expect(syncLinuxAutostart({ enabled: true, command: ['/b/new.AppImage'], env }).changed).toBe(true);
    expect(keys(readFileSync(path.join(root, 'autostart', AUTOSTART_FILE), 'utf8')).Exec).toBe('/b/new.AppImage');
    expect(readdirSync(path.join(root, 'autostart'))).toEqual([AUTOSTART_FILE]);
  });

  it('removes the entry when disabled, idempotently, and leaves unrelated entries alone', () => {
    const root = tmp();
    const env = { XDG_CONFIG_HOME: root };
    const dir = path.join(root, 'autostart');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'other-app.desktop'), '[Desktop Entry]\nExec=other\n');
    syncLinuxAutostart({ enabled: true, command: ['/usr/bin/llm-gateway'], env });
    expect(syncLinuxAutostart({ enabled: false, command: ['/usr/bin/llm-gateway'], env })).toEqual({
      file: path.join(dir, AUTOSTART_FILE),
      changed: true,
    });
    expect(existsSync(path.join(dir, AUTOSTART_FILE))).toBe(false);
    expect(syncLinuxAutostart({ enabled: false, command: ['/usr/bin/llm-gateway'], env }).changed).toBe(false);
    expect(readFileSync(path.join(dir, 'other-app.desktop'), 'utf8')).toBe('[Desktop Entry]\nExec=other\n');
  });

  it('disabled with no autostart folder creates nothing (the default is off)', () => {
    const root = tmp();
    expect(
      syncLinuxAutostart({ enabled: false, command: ['/usr/bin/llm-gateway'], env: { XDG_CONFIG_HOME: root } }).changed,
    ).toBe(false);
    expect(existsSync(path.join(root, 'autostart'))).toBe(false);
  });

  it('refuses an empty command rather than writing an entry that starts nothing', () => {
    expect(() => desktopEntry([])).toThrow(/no program/);
  });
});
