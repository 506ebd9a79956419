// `llm-gateway doctor [--json]`: runs the control plane's doctor (main/control/doctor) with the app's settings and
// prints ✓/✗ per check with the one thing to do, or the report as JSON. Exit code 0 only when every check passed,
// 1 when any failed (like `readiness`); usage errors exit 2 through the CLI's error table.
import path from 'node:path';
import { runDoctor, renderDoctor } from '../control/doctor/doctor.js';
import { loadSettings, SETTINGS_FILE } from '../control/settings/store.js';
import { llmgwHome } from '../stack/paths.js';

export interface DoctorCommandOptions {
  json: boolean;
  env?: NodeJS.ProcessEnv;
  out?: (text: string) => void;
  /** Colour the marks (default: stdout is a TTY and NO_COLOR is unset). */
  colour?: boolean;
}

/** Prints the report; returns the exit code (the caller sets it, so tests can run this in-process). */
export async function runDoctorCommand(options: DoctorCommandOptions): Promise<number> {
  const env = options.env ?? process.env;
  const out = options.out ?? ((text: string) => process.stdout.write(`${text}\n`));
  const home = llmgwHome(env);
  // The app's own Ollama URL (what the dashboard and embedded mode use); the defaults when there are no settings.
  const { settings } = loadSettings(path.join(home, SETTINGS_FILE));
  const report = await runDoctor({ env, home, ollamaUrl: settings.ollamaUrl });
  const colour = options.colour ?? (process.stdout.isTTY === true && !env.NO_COLOR);
  out(options.json ? JSON.stringify(report, null, 2) : renderDoctor(report, colour));
  return report.ok ? 0 : 1;
}
