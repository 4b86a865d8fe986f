/**
 * Errors of the message layer. Each carries a short machine-readable `code` and a sentence that
 * names the type, what was wrong and what to do. Decode errors concern one message (a bad frame),
 * not the run, so they are not marked user-facing.
 */

/** A type name or .msg text that cannot be used (unknown type, bad syntax, missing dependency). */
export class MessageDefinitionError extends Error {
  readonly code = "bad_definition";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MessageDefinitionError";
  }
}

/** Bytes that are not a CDR encoding of the expected type (truncated, corrupt, other type). */
export class CdrDecodeError extends Error {
  readonly code = "bad_cdr";
  constructor(
    readonly type: string,
    readonly byteLength: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `cannot decode ${type} from ${byteLength} bytes: ${detail}; ` +
        `the data is truncated, corrupt or of another type`,
      options,
    );
    this.name = "CdrDecodeError";
  }
}

/** A message object that cannot be written as the type (e.g. a fractional 64-bit integer). */
export class CdrEncodeError extends Error {
  readonly code = "bad_message";
  constructor(
    readonly type: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`cannot encode ${type}: ${detail}`, options);
    this.name = "CdrEncodeError";
  }
}
