// Start at login on Linux: an XDG autostart entry ($XDG_CONFIG_HOME/autostart/llm-gateway.desktop), which Electron's
// app.setLoginItemSettings does not cover (macOS and Windows only). Plain Node: the shell passes in what it knows.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const AUTOSTART_FILE = 'llm-gateway.desktop';

/** The autostart folder per the XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
export function autostartDir(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const config =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(config, 'autostart');
}

/**
 * What to start: the AppImage itself when running from one (process.execPath then points into its temporary
 * mount, gone after exit), else the executable; an unpackaged Electron also needs the app folder as argument.
 */
export function autostartCommand(options: {
  env: NodeJS.ProcessEnv;
  execPath: string;
  appPath?: string | undefined;
}): string[] {
  const program = options.env.APPIMAGE || options.execPath;
  return options.appPath ? [program, options.appPath] : [program];
}

// Desktop Entry spec, "The Exec key": an argument with a reserved character is double-quoted, and inside the quotes
// `"`, `` ` ``, `$` and `\` take a backslash. `%` starts a field code, so a literal one is `%%`.
const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/** One Exec argument, quoted per the spec, before the value-level escaping of `execValue`. */
export function quoteExecArg(arg: string): string {
  const percent = arg.replace(/%/g, '%%');
  if (arg !== '' && !RESERVED.test(arg)) return percent;
  return `"${percent.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The Exec value as written in the file. Values of type string are unescaped (`\\`, `\n`, ...) before the Exec
 * quoting is read, so a literal backslash in a quoted argument ends up as four (the spec says so explicitly).
 */
export function execValue(command: readonly string[]): string {
  return command
    .map(quoteExecArg)
    .join(' ')
    .replace(/[\\\n\t\r]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' })[c]!);
}

export function desktopEntry(command: readonly string[]): string {
  if (command.length === 0 || !command[0]) throw new Error('autostart: no program to start');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=LLM Gateway',
    'Comment=Start LLM Gateway in the tray at login',
    `Exec=${execValue(command)}`,
    'Terminal=false',
    'Categories=Development;',
    // Session managers differ in which key they honour for "enabled"; set both explicitly.
    'X-GNOME-Autostart-enabled=true',
    'Hidden=false',
    '',
  ].join('\n');
}

export interface SyncAutostartOptions {
  enabled: boolean;
  command: readonly string[];
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** Writes or removes the entry so that it matches `enabled`; touches no other file. Returns whether anything changed. */
export function syncLinuxAutostart(options: SyncAutostartOptions): { file: string; changed: boolean } {
  const dir = autostartDir(options.env ?? process.env, options.home ?? os.homedir());
  const file = path.join(dir, AUTOSTART_FILE);
  if (!options.enabled) {
    if (!existsSync(file)) return { file, changed: false };
    rmSync(file, { force: true });
    return { file, changed: true };
  }
  const content = desktopEntry(options.command);
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return { file, changed: false };
  mkdirSync(dir, { recursive: true });
  // Write-then-rename: a session manager reading the folder at that moment never sees half an entry.
  const tmp = path.join(dir, `.${AUTOSTART_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, content, { mode: 0o644 });
  renameSync(tmp, file);
  return { file, changed: true };
}
