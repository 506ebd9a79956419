// The gateway image's entry: runs `llm-gateway gateway` (config from the environment) with the CLI's error
// rendering, without loading the rest of the CLI (the control plane and its Docker client are not in the image).
import { runGateway } from './dist/gateway/src/cli/run.js';
import { GatewayCliError } from './dist/gateway/src/cli/errors.js';

runGateway().catch((err) => {
  if (err instanceof GatewayCliError) {
    console.error(err.render());
    process.exit(err.exitCode);
  }
  console.error(`llm-gateway: unexpected error: ${err?.stack ?? String(err)}`);
  process.exit(1);
});
