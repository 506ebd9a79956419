// Loads and saves settings.json in LLMGW_HOME. Loading never throws: a missing file gives defaults; a corrupt or
// invalid one gives defaults (keeping every field that is still valid) plus a warning, and the bad file is kept
// aside as settings.json.bad so nothing the user wrote is silently destroyed.
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ControlError } from '../errors.js';
import {
  defaultSettings,
  MIGRATIONS,
  SETTINGS_VERSION,
  settingsSchema,
  type Settings,
  type SettingsPatch,
} from './schema.js';

export const SETTINGS_FILE = 'settings.json';

export interface LoadResult {
  settings: Settings;
  warnings: string[];
  /** True when the file was migrated from an older version (and rewritten). */
  migrated: boolean;
}

export function loadSettings(file: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { settings: defaultSettings(), warnings: [], migrated: false };
    return {
      settings: defaultSettings(),
      warnings: [`Settings could not be read (${(err as Error).message}); using defaults.`],
      migrated: false,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    keepAside(file);
    return {
      settings: defaultSettings(),
      warnings: [`${file} is not valid JSON; using defaults (the old file is kept as ${SETTINGS_FILE}.bad).`],
      migrated: false,
    };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    keepAside(file);
    return {
      settings: defaultSettings(),
      warnings: [`${file} does not hold a settings object; using defaults.`],
      migrated: false,
    };
  }
  let data = raw as Record<string, unknown>;
  let version = typeof data.version === 'number' ? data.version : 1;
  const warnings: string[] = [];
  const from = version;
  if (version > SETTINGS_VERSION) {
    warnings.push(`${file} was written by a newer version (${version}); unknown fields are ignored.`);
    data = { ...data, version: SETTINGS_VERSION };
    version = SETTINGS_VERSION;
  }
  while (version < SETTINGS_VERSION) {
    const migrate = MIGRATIONS[version];
    if (!migrate) break;
    data = migrate({ ...data, version });
    version += 1;
  }
  const settings = salvage(data, warnings, file);
  const migrated = from < SETTINGS_VERSION;
  if (migrated) {
    try {
      saveSettings(file, settings);
    } catch (err) {
      warnings.push((err as Error).message);
    }
  }
  return { settings, warnings, migrated };
}

/** Parses; when invalid, drops the offending fields one by one so every valid choice survives. */
function salvage(data: Record<string, unknown>, warnings: string[], file: string): Settings {
  const parsed = settingsSchema.safeParse({ ...data, version: SETTINGS_VERSION });
  if (parsed.success) return parsed.data;
  const cleaned: Record<string, unknown> = structuredClone({ ...data, version: SETTINGS_VERSION });
  for (const issue of parsed.error.issues) {
    const [top, sub] = issue.path as Array<string | number>;
    if (top === undefined) continue;
    const parent = cleaned[top];
    if (sub !== undefined && typeof parent === 'object' && parent !== null)
      delete (parent as Record<string | number, unknown>)[sub];
    else delete cleaned[top];
    warnings.push(`${file}: ${issue.path.join('.')} ${issue.message.toLowerCase()}; using the default.`);
  }
  const retry = settingsSchema.safeParse(cleaned);
  if (retry.success) return retry.data;
  warnings.push(`${file} is invalid; using defaults.`);
  return defaultSettings();
}

function keepAside(file: string): void {
  try {
    copyFileSync(file, `${file}.bad`);
  } catch {
    // Best effort: defaults still apply.
  }
}

export function saveSettings(file: string, settings: Settings): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, file);
  } catch (err) {
    throw new ControlError(
      'settings_error',
      `Settings could not be saved to ${file}: ${(err as Error).message}`,
      undefined,
      { cause: err },
    );
  }
}

export function applyPatch(settings: Settings, patch: SettingsPatch): Settings {
  return settingsSchema.parse({
    ...settings,
    ...defined(patch),
    ports: { ...settings.ports, ...defined(patch.ports ?? {}) },
    defaultLimits: { ...settings.defaultLimits, ...defined(patch.defaultLimits ?? {}) },
    tls: { ...settings.tls, ...defined(patch.tls ?? {}) },
    backup: { ...settings.backup, ...defined(patch.backup ?? {}) },
    version: SETTINGS_VERSION,
  });
}

/** Drops keys whose value is undefined, so an explicit `undefined` never resets a field to its default. */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
