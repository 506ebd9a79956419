// `llm-gateway gateway`: runs one gateway instance from the environment until SIGTERM/SIGINT,
// then drains (in-flight streams finish, usage is flushed) and exits. The Docker image runs this too
// (compose/gateway/server.mjs), which is why it lives in gateway/: the image compiles gateway/ only.
import { ConfigError, loadConfig } from '../config.js';
import { startGateway, type Gateway } from '../server.js';
import { GatewayCliError } from './errors.js';

export async function runGateway(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new GatewayCliError('config', err.message);
    throw err;
  }
  let gateway: Gateway;
  try {
    gateway = await startGateway(config);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE')
      throw new GatewayCliError('port_in_use', `Port ${config.PORT} on ${config.HOST} is already in use.`);
    if (config.DATABASE_URL && (code === 'ECONNREFUSED' || code === '28P01' || code === '3D000')) {
      throw new GatewayCliError('store_unreachable', `PostgreSQL could not be opened: ${(err as Error).message}`);
    }
    throw err;
  }
  if (!config.ADMIN_TOKEN) {
    gateway.deps.log.warn('ADMIN_TOKEN is not set: the admin API is off. Create keys with `llm-gateway keys create`.');
  }
  let signals = 0;
  const stop = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      gateway.deps.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    gateway.deps.log.info({ signal }, 'stopping');
    void gateway.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
