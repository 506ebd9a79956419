// e2e global setup: Docker and Compose v2 must be there, and the local images when no registry can be reached.
// Missing pieces fail the run loudly with the fix; the suite never skips.
import { execFileSync } from 'node:child_process';
import { discoverEngine } from '../../main/stack/engine.js';
import { locateCompose } from '../../main/stack/compose.js';

export default async function setup(): Promise<void> {
  const engine = await discoverEngine().catch((err: Error) => {
    throw new Error(
      `e2e: no Docker Engine: ${err.message}\nRun ../shared/tools/offline-images --with-compose (as root) first.`,
    );
  });
  await locateCompose().catch((err: Error) => {
    throw new Error(`e2e: ${err.message}\nRun ../shared/tools/offline-images --with-compose (as root) first.`);
  });
  if (process.env.LLMGW_E2E_PUBLIC_IMAGES !== '1') {
    const missing = ['NGINX_IMAGE', 'POSTGRES_IMAGE', 'REDIS_IMAGE', 'NODE_IMAGE', 'PROMETHEUS_IMAGE'].filter(
      (name) => !process.env[name],
    );
    if (missing.length > 0) {
      throw new Error(
        `e2e: ${missing.join(', ')} not set. These machines cannot pull images: run\n` +
          '  ../shared/tools/offline-images --with-compose > /tmp/images.env && test/images/prometheus/build.sh >> /tmp/images.env\n' +
          '  set -a && . /tmp/images.env && set +a\n' +
          'then npm run test:e2e again (or LLMGW_E2E_PUBLIC_IMAGES=1 where Docker Hub is reachable).',
      );
    }
    for (const name of ['NGINX_IMAGE', 'POSTGRES_IMAGE', 'REDIS_IMAGE', 'NODE_IMAGE', 'PROMETHEUS_IMAGE']) {
      try {
        execFileSync('docker', ['image', 'inspect', process.env[name]!], { stdio: 'ignore' });
      } catch {
        throw new Error(
          `e2e: image ${process.env[name]} (${name}) is not on this engine; run ../shared/tools/offline-images --with-compose.`,
        );
      }
    }
  }
  console.log(`e2e: Docker Engine ${engine.version} at ${engine.candidate.address}`);
}
