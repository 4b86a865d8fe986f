/**
 * The one CDR encode/decode path, for live topics, bags and tests alike: .msg text parsed by
 * `@foxglove/rosmsg`, bytes read and written by `@foxglove/rosmsg2-serialization`.
 */
import { parse } from "@foxglove/rosmsg";
import { MessageReader, MessageWriter } from "@foxglove/rosmsg2-serialization";
import "./cdr-string-fix.js";
import { CdrDecodeError, CdrEncodeError, MessageDefinitionError } from "./errors.js";
import { fullTypeName, ros2msgSchemaText } from "./schema.js";
import type { BundledType, Encodable, MessageTypeMap } from "./types.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- a codec for a type only known at run time */
export interface Codec<T = any> {
  /** Full type name, e.g. "sensor_msgs/msg/Image". */
  readonly type: string;
  /**
   * CDR bytes (4-byte encapsulation header, little endian) in a fresh buffer of exactly their
   * length (byteOffset 0): rclnodejs misreads typed-array views with a non-zero byteOffset.
   * Fields not given are written as their defaults.
   */
  encode(msg: Encodable<T>): Uint8Array;
  /** Decodes CDR bytes; `uint8[]` fields are zero-copy views into `bytes`. Throws CdrDecodeError. */
  decode(bytes: Uint8Array): T;
}

export type SchemaEncoding = "ros2msg";

type MessageDefinition = ReturnType<typeof parse>[number];

/**
 * Encapsulation identifiers MessageReader reads correctly: plain CDR (XCDR1) and plain CDR2
 * (XCDR2), either endianness. Parameter lists and delimited forms carry headers it would misread.
 */
const PLAIN_CDR_KINDS = new Set([0x00, 0x01, 0x06, 0x07]);

function definitionsFromText(type: string, text: string, source: string): MessageDefinition[] {
  let defs: MessageDefinition[];
  try {
    defs = parse(text, { ros2: true });
  } catch (err) {
    throw new MessageDefinitionError(
      `the ${source} definition of ${type} is not valid ROS 2 .msg text: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const names = new Set(defs.map((d) => d.name).filter((n): n is string => n !== undefined));
  for (const def of defs) {
    for (const field of def.definitions) {
      if (field.isComplex === true && !names.has(field.type)) {
        throw new MessageDefinitionError(
          `the ${source} definition of ${type} uses ${field.type} (field "${field.name}") but does not ` +
            `define it; the schema text must include every dependency after a "MSG: ${field.type}" line`,
        );
      }
    }
  }
  return defs;
}

class CdrCodec implements Codec {
  readonly #reader: MessageReader;
  readonly #writer: MessageWriter;

  constructor(
    readonly type: string,
    definitions: MessageDefinition[],
  ) {
    this.#reader = new MessageReader(definitions);
    this.#writer = new MessageWriter(definitions);
  }

  encode(msg: object): Uint8Array {
    if (typeof msg !== "object" || msg === null) {
      throw new CdrEncodeError(
        this.type,
        `expected a message object, got ${msg === null ? "null" : typeof msg}`,
      );
    }
    let out: Uint8Array;
    try {
      out = this.#writer.writeMessage(msg);
    } catch (err) {
      throw new CdrEncodeError(this.type, (err as Error).message, { cause: err });
    }
    // The writer sizes strings by UTF-16 length and grows its buffer for multi-byte UTF-8, so the
    // result can be a view on a larger buffer; hand out an exact one.
    return out.byteOffset === 0 && out.buffer.byteLength === out.byteLength ? out : out.slice();
  }

  decode(bytes: Uint8Array): any {
    const n = bytes.byteLength;
    if (n < 4) {
      throw new CdrDecodeError(this.type, n, "shorter than the 4-byte CDR encapsulation header");
    }
    if (bytes[0] !== 0 || !PLAIN_CDR_KINDS.has(bytes[1])) {
      const id = ((bytes[0] << 8) | bytes[1]).toString(16).padStart(4, "0");
      throw new CdrDecodeError(
        this.type,
        n,
        `encapsulation identifier 0x${id} is not plain CDR (expected 0x0000, 0x0001, 0x0006 or 0x0007)`,
      );
    }
    let msg: unknown;
    try {
      msg = this.#reader.readMessage(bytes);
    } catch (err) {
      throw new CdrDecodeError(this.type, n, (err as Error).message, { cause: err });
    }
    // The reader bounds-checks against the whole underlying ArrayBuffer, not the view, so a
    // truncated message inside a larger buffer is only caught here.
    const used = this.#reader.lastReadByteLength();
    if (used > n) {
      throw new CdrDecodeError(this.type, n, `the message needs at least ${used} bytes`);
    }
    return msg;
  }
}

const bundledCache = new Map<string, Codec>();
const schemaCache = new Map<string, Codec>();

/** The codec of a bundled type ("sensor_msgs/msg/Image" or "sensor_msgs/Image"); cached. */
export function codecFor<K extends BundledType>(type: K): Codec<MessageTypeMap[K]>;
export function codecFor(type: string): Codec;
export function codecFor(type: string): Codec {
  let codec = bundledCache.get(type);
  if (codec) return codec;
  const full = fullTypeName(type);
  codec = bundledCache.get(full);
  if (!codec) {
    codec = new CdrCodec(full, definitionsFromText(full, ros2msgSchemaText(full), "bundled"));
    bundledCache.set(full, codec);
  }
  bundledCache.set(type, codec);
  return codec;
}

/** The codec for a schema stored in a bag (concatenated `ros2msg` text); cached by type and text. */
export function codecFromSchema(
  type: string,
  schemaText: string,
  encoding: SchemaEncoding | string = "ros2msg",
): Codec {
  const full = fullTypeName(type);
  if (encoding !== "ros2msg") {
    throw new MessageDefinitionError(
      `the stored schema of ${full} is encoded as "${encoding}"; spikenode reads "ros2msg" schemas only ` +
        `(decode with the bundled definition, or re-record on a distro that stores .msg definitions)`,
    );
  }
  if (schemaText.trim() === "") {
    throw new MessageDefinitionError(`the stored schema of ${full} is empty`);
  }
  const key = `${full}\u0000${schemaText}`;
  let codec = schemaCache.get(key);
  if (!codec) {
    codec = new CdrCodec(full, definitionsFromText(full, schemaText, "stored"));
    schemaCache.set(key, codec);
  }
  return codec;
}
