// The one shape of every error table in the project (gateway, gateway CLI, CLI, stack, control plane, readiness,
// serve): a table of codes whose entries say what to do next in `hint` (one field name everywhere), plus a base
// class for that table's errors. It stands alone (no imports) because the gateway image, the renderer and main
// all compile it: compose/gateway/Dockerfile copies it next to gateway/src.

/** What every table entry may carry; tables add their own fields (HTTP status, exit code, envelope type). */
export interface ErrorSpec {
  /** What to do next, written for the person reading the error. */
  readonly hint?: string;
  readonly [field: string]: unknown;
}

/** Types (and freezes) an error table: `const` keeps each code and value literal, so lookups stay exact. */
export function defineErrors<const T extends Record<string, ErrorSpec>>(table: T): Readonly<T> {
  return Object.freeze(table);
}

/**
 * The base class of one table's errors: a coded Error whose `entry` is its row of the table. Subclasses add what
 * their edge needs (an envelope, an exit code, a bridge shape); the code is always a key of the table.
 */
export function codedError<T extends Record<string, ErrorSpec>>(name: string, table: Readonly<T>) {
  return class CodedError extends Error {
    readonly code: keyof T & string;

    constructor(code: keyof T & string, message: string, options: { cause?: unknown } = {}) {
      super(message, { cause: options.cause });
      this.name = name;
      this.code = code;
    }

    /** This error's row of its table. */
    get entry(): Readonly<T>[keyof T & string] {
      return table[this.code];
    }
  };
}
