// The typed door the panels use: call(op, input) returns the operation's output or throws a UiError carrying the
// control plane's code, message and hint (so every panel can show the error where it happened).
import type {
  ControlErrorData,
  OperationInput,
  OperationName,
  OperationOutputs,
  RendererBridge,
} from './bridge/types.js';

export class UiError extends Error {
  readonly code: string;
  readonly hint: string;
  constructor(data: { code: string; message: string; hint: string }) {
    super(data.message);
    this.name = 'UiError';
    this.code = data.code;
    this.hint = data.hint;
  }

  static of(err: unknown): UiError {
    if (err instanceof UiError) return err;
    return new UiError({
      code: 'internal',
      message: err instanceof Error ? err.message : String(err),
      hint: 'Reload the page; if it happens again, the logs folder has details.',
    });
  }
}

export interface Api {
  call<K extends OperationName>(
    op: K,
    ...input: undefined extends OperationInput<K> ? [OperationInput<K>?] : [OperationInput<K>]
  ): Promise<OperationOutputs[K]>;
  readonly bridge: RendererBridge;
}

export function createApi(bridge: RendererBridge): Api {
  return {
    bridge,
    async call(op, ...rest) {
      const result = await bridge.invoke(op, rest[0]);
      if (result.ok) return result.value as never;
      throw new UiError(result.error as ControlErrorData);
    },
  };
}
