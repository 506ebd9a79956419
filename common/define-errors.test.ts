import { describe, expect, it } from 'vitest';
import { codedError, defineErrors } from './define-errors.js';

const TABLE = defineErrors({
  broken: { exit: 3, hint: 'Fix it.' },
  plain: {},
});

class SampleError extends codedError('SampleError', TABLE) {}

describe('defineErrors / codedError', () => {
  it("freezes the table so no module can rewrite another part's hints", () => {
    expect(Object.isFrozen(TABLE)).toBe(true);
    expect(() => {
      (TABLE as Record<string, unknown>).extra = {};
    }).toThrow(TypeError);
  });

  it('gives an Error with its name, code, cause and table row', () => {
    const cause = new Error('root');
    const err = new SampleError('broken', 'It broke.', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(SampleError);
    expect({ name: err.name, code: err.code, message: err.message, cause: err.cause }).toEqual({
      name: 'SampleError',
      code: 'broken',
      message: 'It broke.',
      cause,
    });
    expect(err.entry).toEqual({ exit: 3, hint: 'Fix it.' });
    expect(new SampleError('plain', 'x').entry).toEqual({});
  });
});
