// The settings' shape (version 2) with defaults for every field, and the partial update the api accepts: the
// dashboard's form and the control plane validate with these same schemas. Migrations stay in main/control/settings.
import { z } from 'zod';
import { allowedIpsSchema } from './ip-rules.js';

export const SETTINGS_VERSION = 2;

const port = z.number().int().min(1).max(65535);
const limit = z.number().int().positive().max(100_000_000).nullable();
const filePath = z.string().trim().min(1).max(4096);
const backupKeep = z.number().int().min(1).max(365);
const BACKUP_DEFAULTS = { daily: true, keep: 7 };
const TLS_DEFAULTS = { enabled: false, port: 3443, certFile: null, keyFile: null, redirectHttp: false };

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
  /** HTTPS on the stack's nginx (README "TLS"): the user's certificate + key, or none = the local CA's. */
  tls: z
    .object({
      enabled: z.boolean().default(false),
      port: port.default(3443),
      certFile: filePath.nullable().default(null),
      keyFile: filePath.nullable().default(null),
      redirectHttp: z.boolean().default(false),
    })
    .default(TLS_DEFAULTS),
  /** Client addresses the stack's nginx admits (null = every address that reaches the port). */
  stackAllowedIps: allowedIpsSchema.nullable().default(null),
  /** README "Backups": a backup of the running mode's database once a day, keeping the newest `keep` of them. */
  backup: z.object({ daily: z.boolean().default(true), keep: backupKeep.default(7) }).default(BACKUP_DEFAULTS),
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
  tls: z
    .strictObject({
      enabled: z.boolean().optional(),
      port: port.optional(),
      certFile: filePath.nullable().optional(),
      keyFile: filePath.nullable().optional(),
      redirectHttp: z.boolean().optional(),
    })
    .optional(),
  stackAllowedIps: allowedIpsSchema.nullable().optional(),
  backup: z.strictObject({ daily: z.boolean().optional(), keep: backupKeep.optional() }).optional(),
});

export type SettingsPatch = z.output<typeof settingsPatchSchema>;

export function defaultSettings(): Settings {
  return settingsSchema.parse({ version: SETTINGS_VERSION });
}
