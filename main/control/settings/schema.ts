// The settings file's shape (version 2) with defaults for every field, and the migration from version 1.
// Validation is per field where possible: one bad value falls back to its default instead of losing the rest.
import { z } from 'zod';

export const SETTINGS_VERSION = 2;

const port = z.number().int().min(1).max(65535);
const limit = z.number().int().positive().max(100_000_000).nullable();

export const settingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  /** stack = Docker Compose stack; embedded = gateway in-process; auto = stack when Docker answers, else embedded. */
  mode: z.enum(['stack', 'embedded', 'auto']).default('auto'),
  ollamaUrl: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:11434'),
  ports: z
    .object({
      /** The gateway (Nginx in stack mode, the in-process gateway in embedded mode). */
      gateway: port.default(3000),
      postgres: port.default(15432),
      redis: port.default(16379),
    })
    .default({ gateway: 3000, postgres: 15432, redis: 16379 }),
  defaultLimits: z.object({ rpm: limit.default(60), tpm: limit.default(100_000) }).default({ rpm: 60, tpm: 100_000 }),
  /** Opt-in: the OS launches the app at login. */
  startAtLogin: z.boolean().default(false),
  startStackOnLaunch: z.boolean().default(false),
  /** The answer to "stop the stack when quitting?" once the user ticked "remember"; null = ask. */
  stopStackOnQuit: z.boolean().nullable().default(null),
  maxParallelPulls: z.number().int().min(1).max(8).default(2),
});

export type Settings = z.output<typeof settingsSchema>;

/** A partial update as the api accepts it (ports and limits merge field by field). */
export const settingsPatchSchema = z.strictObject({
  mode: settingsSchema.shape.mode.unwrap().optional(),
  ollamaUrl: z.url({ protocol: /^https?$/ }).optional(),
  ports: z.strictObject({ gateway: port.optional(), postgres: port.optional(), redis: port.optional() }).optional(),
  defaultLimits: z.strictObject({ rpm: limit.optional(), tpm: limit.optional() }).optional(),
  startAtLogin: z.boolean().optional(),
  startStackOnLaunch: z.boolean().optional(),
  stopStackOnQuit: z.boolean().nullable().optional(),
  maxParallelPulls: z.number().int().min(1).max(8).optional(),
});

export type SettingsPatch = z.output<typeof settingsPatchSchema>;

export function defaultSettings(): Settings {
  return settingsSchema.parse({ version: SETTINGS_VERSION });
}

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
