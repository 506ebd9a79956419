// The embedded database ($LLMGW_HOME/embedded.db): opens (read-only: the doctor changes nothing), is a SQLite file,
// and its schema is not newer than this build's migrations. An older schema is fine: the gateway migrates on start.
import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LATEST_VERSION } from '../../../gateway/src/index.js';
import { EMBEDDED_DB } from '../embedded/embedded.js';
import { fail, pass, type DoctorCheck } from './check.js';

export function checkEmbeddedDatabase(home: string): DoctorCheck {
  const id = 'database.embedded';
  const title = 'Embedded database';
  const file = path.join(home, EMBEDDED_DB);
  if (!existsSync(file)) return pass(id, title, `${file} does not exist yet (created on the first embedded start)`);
  let version: number;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
      version =
        table === undefined
          ? 0
          : ((db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0);
      const integrity = db.pragma('quick_check', { simple: true }) as unknown;
      if (integrity !== 'ok') throw new Error(`integrity check: ${String(integrity)}`);
    } finally {
      db.close();
    }
  } catch (err) {
    return fail(
      id,
      title,
      `${file} does not open as a database: ${(err as Error).message}`,
      `Move it aside (\`mv '${file}' '${file}.broken'\`); the next embedded start creates a new one (keys and usage in it are lost).`,
    );
  }
  if (version > LATEST_VERSION)
    return fail(
      id,
      title,
      `${file} is at schema version ${version}, newer than this build's ${LATEST_VERSION}`,
      'Update llm-gateway to the version that wrote it (a downgrade cannot read it).',
    );
  return pass(
    id,
    title,
    version === LATEST_VERSION
      ? `${file}: schema version ${version} (current)`
      : `${file}: schema version ${version}; the next start migrates it to ${LATEST_VERSION}`,
  );
}
