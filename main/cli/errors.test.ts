import { describe, expect, it } from 'vitest';
import { GATEWAY_CLI_ERRORS, GatewayCliError } from '../../gateway/src/index.js';
import { CLI_ERRORS, CliError } from './errors.js';

describe('CLI error table', () => {
  it("holds the gateway command's entries unchanged (same exit code, same next step)", () => {
    for (const [code, entry] of Object.entries(GATEWAY_CLI_ERRORS)) {
      expect(CLI_ERRORS[code as keyof typeof CLI_ERRORS], code).toEqual(entry);
    }
  });

  it('exit codes are distinct per meaning and a gateway error renders the same from either table', () => {
    const gateway = new GatewayCliError('port_in_use', 'Port 3000 on 127.0.0.1 is already in use.');
    const cli = new CliError('port_in_use', 'Port 3000 on 127.0.0.1 is already in use.');
    expect(cli.render()).toBe(gateway.render());
    expect(cli.exitCode).toBe(gateway.exitCode);
    expect(new CliError('usage', 'x').exitCode).toBe(2);
    expect(new CliError('not_found', 'x').exitCode).toBe(5);
  });
});
