import { describe, expect, it } from 'vitest';
import { ControlError } from '../control/errors.js';
import { ReadinessError } from '../readiness/errors.js';
import { ServeError } from '../serve/errors.js';
import { STACK_ERRORS, StackError } from '../stack/errors.js';
import { CLI_ERRORS, CliError } from './errors.js';
import { failureOf } from './exit.js';

describe('failureOf: the CLI exit-code mapping', () => {
  it("maps every part's coded errors to its exit code and the next step", () => {
    expect(failureOf(new CliError('not_found', 'No key key_x.'))).toEqual({
      exit: 5,
      text: `llm-gateway: No key key_x.\n${CLI_ERRORS.not_found.hint}`,
    });
    expect(failureOf(new StackError('no_engine', 'No Docker.'))).toEqual({
      exit: STACK_ERRORS.no_engine.exit,
      text: `llm-gateway: No Docker.\n${STACK_ERRORS.no_engine.hint}`,
    });
    expect(failureOf(new ServeError('bad_option', 'Unknown option --x.'))!.exit).toBe(2);
    expect(failureOf(new ServeError('port_in_use', 'Port 3131 is in use.'))!.exit).toBe(3);
    expect(failureOf(new ReadinessError('unknown_check', 'No check zz.'))!.text).toMatch(/readiness --list/);
    expect(failureOf(new ControlError('no_engine', 'No Docker.'))!.exit).toBe(1);
  });

  it('leaves uncoded errors to the caller (they are bugs, printed with their stack)', () => {
    expect(failureOf(new Error('boom'))).toBeNull();
    expect(failureOf('text')).toBeNull();
  });
});
