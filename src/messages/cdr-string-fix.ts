/**
 * @foxglove/cdr 3.5.0's `CdrWriter.string` takes the JavaScript (UTF-16) length of a string as
 * its UTF-8 byte length, so any non-ASCII string (a frame_id or class name with "é") is written
 * with a wrong length and cut short. Fixed upstream (foxglove/cdr#35) but not yet released; until
 * then strings that are not pure ASCII go through this corrected version (harmless once the fix is
 * released). A test round-trips non-ASCII strings.
 */
import { CdrWriter } from "@foxglove/cdr";

/** The members of CdrWriter this fix touches (private in its typings). */
interface WriterInternals {
  buffer: ArrayBuffer;
  view: DataView;
  offset: number;
  resizeIfNeeded(additionalBytes: number): void;
  uint32(value: number): unknown;
}

const encoder = new TextEncoder();
// eslint-disable-next-line no-control-regex -- the ASCII range is exactly what is meant
const ASCII = /^[\x00-\x7f]*$/;
const original = CdrWriter.prototype.string;

function utf8String(this: CdrWriter, value: string, writeLength = true): CdrWriter {
  if (ASCII.test(value)) return original.call(this, value, writeLength);
  const w = this as unknown as WriterInternals;
  const bytes = encoder.encode(value);
  if (writeLength) w.uint32(bytes.length + 1);
  w.resizeIfNeeded(bytes.length + 1);
  new Uint8Array(w.buffer, w.offset, bytes.length).set(bytes);
  w.view.setUint8(w.offset + bytes.length, 0);
  w.offset += bytes.length + 1;
  return this;
}

if (CdrWriter.prototype.string === original) {
  CdrWriter.prototype.string = utf8String;
}
