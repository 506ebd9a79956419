// Starts gateways for tests against real backends: each harness gets its own Postgres schema and Redis key
// prefix (or a temp SQLite file), an Ollama-compatible upstream, and cleans all of it up in close().
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { configFrom, type GatewayConfig } from '../../gateway/src/config.js';
import { startGateway, type Gateway } from '../../gateway/src/server.js';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './services.js';

export type BackendKind = 'embedded' | 'pg+redis';
export const BACKENDS: BackendKind[] = ['embedded', 'pg+redis'];

export interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
}

export interface Harness {
  kind: BackendKind;
  upstream: OllamaUpstream;
  gateways: Gateway[];
  /** The first gateway's base URL. */
  url: string;
  adminToken: string;
  schema: string | null;
  redisPrefix: string;
  config(overrides?: Record<string, string | number>): GatewayConfig;
  /** Starts one more gateway on the same backends (a replica). */
  addGateway(overrides?: Record<string, string | number>): Promise<Gateway>;
  createKey(body?: Record<string, unknown>): Promise<CreatedKey>;
  admin(method: string, urlPath: string, body?: unknown): Promise<Response>;
  /** Rows of the usage table (flushes every gateway first). */
  usageRows(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  kind: BackendKind;
  replicas?: number;
  env?: Record<string, string | number>;
  upstream?: OllamaUpstream;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const id = randomBytes(6).toString('hex');
  const upstream = options.upstream ?? (await startOllamaUpstream());
  const adminToken = randomBytes(24).toString('hex');
  const schema = options.kind === 'pg+redis' ? `t_${id}` : null;
  const redisPrefix = `test:${id}:`;
  const tmp = options.kind === 'embedded' ? mkdtempSync(path.join(os.tmpdir(), 'llmgw-')) : null;
  const gateways: Gateway[] = [];

  const config = (overrides: Record<string, string | number> = {}) =>
    configFrom({
      PORT: 0,
      HOST: '127.0.0.1',
      OLLAMA_URLS: upstream.url,
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'silent',
      INSTANCE_ID: `gw-${id}-${gateways.length + 1}`,
      USAGE_FLUSH_INTERVAL_MS: 100,
      ...(schema
        ? {
            DATABASE_URL: TEST_DATABASE_URL,
            DATABASE_SCHEMA: schema,
            REDIS_URL: TEST_REDIS_URL,
            REDIS_PREFIX: redisPrefix,
          }
        : { SQLITE_PATH: path.join(tmp!, 'gateway.db') }),
      ...options.env,
      ...overrides,
    });

  const addGateway = async (overrides: Record<string, string | number> = {}) => {
    const gateway = await startGateway(config(overrides));
    gateways.push(gateway);
    return gateway;
  };
  for (let i = 0; i < (options.replicas ?? 1); i += 1) await addGateway();

  const admin = (method: string, urlPath: string, body?: unknown) =>
    fetch(`${gateways[0]!.url}${urlPath}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  return {
    kind: options.kind,
    upstream,
    gateways,
    get url() {
      return gateways[0]!.url;
    },
    adminToken,
    schema,
    redisPrefix,
    config,
    addGateway,
    admin,
    async createKey(body = {}) {
      const response = await admin('POST', '/admin/keys', { name: `test-${id}`, ...body });
      if (response.status !== 201) throw new Error(`key create failed: ${response.status} ${await response.text()}`);
      return (await response.json()) as CreatedKey;
    },
    async usageRows() {
      await Promise.all(gateways.map((gateway) => gateway.deps.usage.flush()));
      const summaryStore = gateways[0]!.deps.store;
      if (summaryStore.kind === 'sqlite') {
        const { default: Database } = await import('better-sqlite3');
        const db = new Database(path.join(tmp!, 'gateway.db'), { readonly: true });
        try {
          return db.prepare('SELECT * FROM usage ORDER BY id').all() as Array<Record<string, unknown>>;
        } finally {
          db.close();
        }
      }
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        return (await client.query(`SELECT * FROM "${schema}".usage ORDER BY id`)).rows as Array<
          Record<string, unknown>
        >;
      } finally {
        await client.end();
      }
    },
    async close() {
      await Promise.allSettled(gateways.map((gateway) => gateway.close()));
      if (!options.upstream) await upstream.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      if (schema) {
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
        await deleteRedisPrefix(redisPrefix);
      }
    },
  };
}

export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
