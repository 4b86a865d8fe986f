/**
 * LZ4 frames (lz4_Frame_format.md) around blocks from lz4_flex (the `lz4-wasm-nodejs` build).
 *
 * Why not lz4js: its block compressor lets a block's last match start 10 bytes before the block
 * end, where the block format wants at least 12 (and the last 5 bytes literals). liblz4 — so
 * rosbag2, python3-lz4 and our own MCAP reader — refuses such a block whenever it fills the
 * decoder's buffer exactly (a full 4 MiB block of a camera chunk), and the bag loses every message
 * from that chunk on. lz4_flex keeps the end-of-block rules; test/bag/chunk-compression.test.ts
 * checks its output with a strict decoder and with liblz4. lz4-wasm-nodejs only exposes the block
 * API (with the input length prepended), so the frame around it is written here.
 */
import { compress as compressBlockWithLength } from "lz4-wasm-nodejs";

const MAGIC = [0x04, 0x22, 0x4d, 0x18];
/** FLG: version 01, independent blocks, no block or content checksum, no content size, no dictionary. */
const FLG = 0x60;
/** BD: 4 MiB maximum block size. */
const BD = 0x70;
/** Header checksum: (XXH32 of FLG BD, seed 0) >> 8 & 0xff for exactly these two bytes; liblz4 checks it. */
const HC = 0x73;
export const LZ4_MAX_BLOCK = 4 * 1024 * 1024;
/** Set in a block's size field when the block is stored uncompressed. */
const UNCOMPRESSED = 0x80000000;

/** Compresses `data` into one LZ4 frame of independent blocks of at most 4 MiB. */
export function lz4Frame(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from([...MAGIC, FLG, BD, HC])];
  let total = parts[0].length + 4;
  for (let offset = 0; offset < data.length; offset += LZ4_MAX_BLOCK) {
    const piece = data.subarray(offset, Math.min(offset + LZ4_MAX_BLOCK, data.length));
    // The block API prepends the input length (4 bytes, little endian): the frame does not want it.
    const block = compressBlockWithLength(piece).subarray(4);
    const stored = block.length < piece.length;
    const size = new Uint8Array(4);
    new DataView(size.buffer).setUint32(
      0,
      stored ? block.length : (piece.length | UNCOMPRESSED) >>> 0,
      true,
    );
    // Copy the block out: it may be a view on the WASM module's memory.
    parts.push(size, stored ? Uint8Array.from(block) : piece);
    total += 4 + (stored ? block.length : piece.length);
  }
  parts.push(new Uint8Array(4)); // EndMark
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
