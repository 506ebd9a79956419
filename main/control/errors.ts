// The control plane's errors: the table and ControlError live in the shared protocol module (the renderer reads
// them too); here, the mapping of every other part's errors (stack, readiness) onto a ControlError.
import { StackError } from '../stack/errors.js';
import { ReadinessError } from '../readiness/errors.js';
import { ControlError } from '../../common/protocol/errors.js';

export {
  CONTROL_ERRORS,
  ControlError,
  isControlErrorData,
  type ControlErrorCode,
  type ControlErrorData,
} from '../../common/protocol/errors.js';

/** Any thrown value → a ControlError; errors of the stack and readiness parts keep their own hints. */
export function toControlError(err: unknown): ControlError {
  if (err instanceof ControlError) return err;
  if (err instanceof StackError) {
    const code = err.code === 'no_engine' ? 'no_engine' : 'stack_error';
    return new ControlError(
      code,
      err.message,
      { stackCode: err.code, ...(err.detail ?? {}) },
      { cause: err, hint: err.hint },
    );
  }
  if (err instanceof ReadinessError) {
    return new ControlError(
      'readiness_error',
      err.message,
      { readinessCode: err.code },
      { cause: err, hint: err.hint },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ControlError('internal', message, undefined, { cause: err });
}
