// Where the real servers the tests need are, and a fail-loud check that they answer.
// Tests never skip when a server is missing: the run stops with what to start.
import net from 'node:net';
import { discoverEngine } from '../../main/stack/engine.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Throws with instructions when PostgreSQL, Redis or the Docker Engine is not reachable. */
export async function requireServices(): Promise<void> {
  const pg = new URL(TEST_DATABASE_URL);
  const redis = new URL(TEST_REDIS_URL);
  const missing: string[] = [];
  if (!(await reachable(pg.hostname, Number(pg.port || 5432)))) {
    missing.push(
      `PostgreSQL is not reachable at ${pg.host} (TEST_DATABASE_URL). Start it: ` +
        `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
    );
  }
  if (!(await reachable(redis.hostname, Number(redis.port || 6379)))) {
    missing.push(
      `Redis is not reachable at ${redis.host} (TEST_REDIS_URL). Start it: ` +
        `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    );
  }
  // The same discovery the product (and the doctor/status tests) use: DOCKER_HOST, then the usual sockets.
  const engineError = await discoverEngine().then(
    () => null,
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  if (engineError !== null) {
    missing.push(
      `${engineError} (the doctor and status tests drive the Engine). Start it: ` +
        `../shared/tools/offline-images --with-compose (installs and starts Docker here), or start your own engine`,
    );
  }
  if (missing.length > 0) throw new Error(`Test services missing:\n  - ${missing.join('\n  - ')}`);
}
