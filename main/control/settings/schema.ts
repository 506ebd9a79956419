// The settings file's shape (version 2) with defaults for every field, and the migration from version 1.
// Validation is per field where possible: one bad value falls back to its default instead of losing the rest.
export {
  SETTINGS_VERSION,
  defaultSettings,
  settingsPatchSchema,
  settingsSchema,
  type Settings,
  type SettingsPatch,
} from '../../../common/protocol/settings.js';

/** Version 1 (the first release): `useDocker` instead of a mode, one flat `port`, `ollama` instead of `ollamaUrl`. */
export interface SettingsV1 {
  version: 1;
  useDocker?: boolean;
  port?: number;
  ollama?: string;
  startAtLogin?: boolean;
  rpm?: number;
  tpm?: number;
}

export function migrateV1(v1: SettingsV1): Record<string, unknown> {
  return {
    version: 2,
    mode: v1.useDocker === undefined ? 'auto' : v1.useDocker ? 'stack' : 'embedded',
    ...(v1.ollama !== undefined ? { ollamaUrl: v1.ollama } : {}),
    ...(v1.port !== undefined ? { ports: { gateway: v1.port } } : {}),
    ...(v1.startAtLogin !== undefined ? { startAtLogin: v1.startAtLogin } : {}),
    ...(v1.rpm !== undefined || v1.tpm !== undefined
      ? {
          defaultLimits: {
            ...(v1.rpm !== undefined ? { rpm: v1.rpm } : {}),
            ...(v1.tpm !== undefined ? { tpm: v1.tpm } : {}),
          },
        }
      : {}),
  };
}

/** Each migration takes version N to N+1; load() applies them in order. */
export const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {
  1: (old) => migrateV1(old as unknown as SettingsV1),
};
