/**
 * The IDX format of (Fashion-)MNIST: big-endian magic 0x0000 <type> <ndims>, then ndims
 * uint32 dimensions, then the data. Only unsigned bytes (type 0x08) are accepted.
 */
import { gunzipSync } from "node:zlib";
import { datasetError } from "./types.js";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses IDX bytes (gzipped or not); `source` names the input in errors. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw datasetError(
        `${source}: corrupt gzip stream (${(err as Error).message}); re-download or reinstall the file`,
      );
    }
  }
  if (buf.length < 4)
    throw datasetError(`${source}: ${buf.length} bytes is too short for an IDX header`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw datasetError(
      `${source}: not an IDX file (magic starts ${hex(buf[0])} ${hex(buf[1])}, expected 00 00)`,
    );
  }
  if (buf[2] !== UBYTE)
    throw datasetError(
      `${source}: IDX data type ${hex(buf[2])} unsupported (expected 08, unsigned bytes)`,
    );
  const ndims = buf[3];
  if (ndims < 1 || ndims > 4)
    throw datasetError(`${source}: IDX with ${ndims} dimensions (expected 1 to 4)`);
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes)
    throw datasetError(`${source}: truncated IDX header (${buf.length} of ${headerBytes} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    if (n === 0) throw datasetError(`${source}: IDX dimension ${d} is 0`);
    dims.push(n);
    count *= n;
  }
  const have = buf.length - headerBytes;
  if (have < count) {
    throw datasetError(
      `${source}: truncated: dimensions [${dims.join(", ")}] need ${count} data bytes, file has ${have}; re-download or reinstall it`,
    );
  }
  if (have > count)
    throw datasetError(
      `${source}: ${have - count} unexpected bytes after the data of [${dims.join(", ")}]`,
    );
  return { dims, data: buf.subarray(headerBytes, headerBytes + count) };
}

/** Builds IDX bytes (for tests and fixtures). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function hex(b: number | undefined): string {
  return (b ?? 0).toString(16).padStart(2, "0");
}
