// `llm-gateway gateway`: the gateway's own command (the image runs it without this CLI); its coded errors exit
// through CLI_ERRORS. This module imports the gateway only, so a replica's start-up stays lean.
import { GatewayCliError, runGateway } from '../../gateway/src/index.js';
import { CliError } from './errors.js';

export async function runGatewayCommand(): Promise<void> {
  await runGateway().catch((err: unknown) => {
    throw err instanceof GatewayCliError ? new CliError(err.code, err.message) : err;
  });
}
