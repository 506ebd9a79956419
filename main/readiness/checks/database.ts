// Check 7: PostgreSQL straight through `pg` with the stack's credentials: connects, the schema version equals
// the gateway's latest migration, key counts, and how long the query took. Skipped without a database URL.
import pg from 'pg';
import { LATEST_VERSION } from '../../../gateway/src/index.js';
import type { CheckDefinition, CheckOutcome } from '../types.js';

/** The URL with its password replaced, for output. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

function pgFailure(err: unknown, target: string): CheckOutcome {
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message;
  const fixes: Record<string, string> = {
    ECONNREFUSED: 'PostgreSQL is not running: `llm-gateway status`, then `llm-gateway start` (or `up`).',
    '28P01': 'The password was refused: use POSTGRES_PASSWORD from $LLMGW_HOME/stack.env (or --database-url).',
    '3D000': 'The database does not exist: check POSTGRES_DB in $LLMGW_HOME/stack.env.',
    '42P01': "The gateway's tables are missing: start a gateway once against this database so it migrates.",
    '3F000': 'The schema does not exist: check DATABASE_SCHEMA, or start a gateway once so it creates it.',
  };
  return {
    status: 'fail',
    summary: `${target}: ${message}${code ? ` (${code})` : ''}`,
    fix: fixes[code] ?? 'Check --database-url and that PostgreSQL runs (`llm-gateway status`).',
    details: { target, code },
  };
}

export const databaseCheck: CheckDefinition = {
  id: 'database',
  number: 7,
  title: 'Database (PostgreSQL)',
  async run(ctx) {
    const url = ctx.options.databaseUrl;
    if (!url)
      return { status: 'skip', reason: 'no PostgreSQL to check (embedded mode uses SQLite; pass --database-url)' };
    const schema = ctx.options.databaseSchema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
      return {
        status: 'fail',
        summary: `schema name '${schema}' is not a plain identifier`,
        fix: 'Pass a plain lowercase schema name.',
      };
    }
    const target = redactUrl(url);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
    client.on('error', () => undefined);
    try {
      const connectStart = performance.now();
      await client.connect();
      const connectMs = Math.round(performance.now() - connectStart);
      const versionRow = await client.query<{ v: number | null }>(
        `SELECT max(version) AS v FROM "${schema}".schema_migrations`,
      );
      const version = versionRow.rows[0]?.v ?? 0;
      const queryStart = performance.now();
      const keys = await client.query<{ total: number; active: number }>(
        `SELECT count(*)::int AS total,
                count(*) FILTER (WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()))::int AS active
           FROM "${schema}".api_keys`,
      );
      const queryMs = Math.round((performance.now() - queryStart) * 10) / 10;
      const { total, active } = keys.rows[0] ?? { total: 0, active: 0 };
      const details = {
        target,
        schema,
        schemaVersion: version,
        expectedVersion: LATEST_VERSION,
        keys: total,
        activeKeys: active,
        connectMs,
        queryMs,
      };
      if (version !== LATEST_VERSION) {
        return {
          status: 'fail',
          summary: `schema version ${version}, expected ${LATEST_VERSION}`,
          fix:
            version < LATEST_VERSION
              ? 'The database is behind: restart the gateway replicas (they migrate on start), e.g. `llm-gateway up`.'
              : 'The database was migrated by a newer gateway: update this app.',
          details,
        };
      }
      return {
        status: 'pass',
        summary: `schema v${version} current, ${active} active of ${total} keys, query ${queryMs} ms`,
        details,
      };
    } catch (err) {
      return pgFailure(err, target);
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};
