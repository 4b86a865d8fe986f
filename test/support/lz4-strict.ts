/**
 * A strict LZ4 frame decoder, the test oracle for the lz4 chunks we write. It enforces the block
 * format's end-of-block rules against each block's own end (lz4_Block_format.md, "End of block
 * conditions"): the last sequence holds only literals, the last 5 bytes are literals, and the last
 * match starts at least 12 bytes before the end. liblz4 checks them only against the end of its
 * output buffer, so it lets a bad block through unless the block fills that buffer — which is how
 * lz4js's blocks passed small tests and failed on full 4 MiB camera chunks. The header checksum is
 * not verified here (liblz4, the second oracle, verifies it).
 */

const MAGIC = 0x184d2204;
const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;

export class Lz4StrictError extends Error {}

function fail(message: string): never {
  throw new Lz4StrictError(message);
}

/** Decodes one block into `out` at `start`; `history` is where matches may reach back to. */
function decodeBlock(src: Uint8Array, out: number[], history: number, blockIndex: number): void {
  const start = out.length;
  let ip = 0;
  let lastMatchStart = -1;
  let lastMatchEnd = -1;
  const where = () => `block ${blockIndex}`;
  const length = (base: number): number => {
    let n = base;
    if (base !== 15) return n;
    for (;;) {
      if (ip >= src.length) fail(`${where()}: length runs past the block`);
      const b = src[ip++];
      n += b;
      if (b !== 255) return n;
    }
  };
  for (;;) {
    if (ip >= src.length) fail(`${where()}: ends inside a sequence`);
    const token = src[ip++];
    const literals = length(token >> 4);
    if (ip + literals > src.length) fail(`${where()}: literals run past the block`);
    for (let i = 0; i < literals; i++) out.push(src[ip++]);
    if (ip === src.length) break; // the last sequence: literals only
    if (ip + 2 > src.length) fail(`${where()}: offset runs past the block`);
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    const matchLength = length(token & 15) + MIN_MATCH;
    if (offset === 0 || out.length - offset < history)
      fail(`${where()}: match offset ${offset} reaches before the data`);
    lastMatchStart = out.length - start;
    for (let i = 0; i < matchLength; i++) out.push(out[out.length - offset]);
    lastMatchEnd = out.length - start;
  }
  const size = out.length - start;
  if (lastMatchStart >= 0) {
    if (lastMatchStart > size - MF_LIMIT)
      fail(
        `${where()}: its last match starts ${size - lastMatchStart} bytes before the block end; the format wants at least ${MF_LIMIT}`,
      );
    if (lastMatchEnd > size - LAST_LITERALS)
      fail(`${where()}: its last ${LAST_LITERALS} bytes are not all literals`);
  }
}

/** Decodes one LZ4 frame (the whole input); throws Lz4StrictError at anything the format forbids. */
export function decodeLz4FrameStrict(frame: Uint8Array): Uint8Array {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < 7 || view.getUint32(0, true) !== MAGIC) fail("not an LZ4 frame (magic)");
  const flg = frame[4];
  if (flg >> 6 !== 1) fail(`frame version ${flg >> 6}, not 01`);
  if (flg & 0x02) fail("reserved FLG bit set");
  const independent = (flg & 0x20) !== 0;
  const blockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const hasDictId = (flg & 0x01) !== 0;
  const bd = frame[5];
  const maxBlockId = (bd >> 4) & 7;
  if (bd & 0x8f || maxBlockId < 4) fail(`invalid BD byte 0x${bd.toString(16)}`);
  const maxBlock = 1 << (8 + 2 * maxBlockId);
  let p = 6 + (hasContentSize ? 8 : 0) + (hasDictId ? 4 : 0) + 1;
  const contentSize = hasContentSize ? Number(view.getBigUint64(6, true)) : undefined;
  const out: number[] = [];
  for (let index = 0; ; index++) {
    if (p + 4 > frame.length) fail("frame ends before its EndMark");
    const word = view.getUint32(p, true);
    p += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > maxBlock) fail(`block ${index}: ${size} bytes, over the frame's ${maxBlock}`);
    if (p + size > frame.length) fail(`block ${index}: runs past the frame`);
    const block = frame.subarray(p, p + size);
    p += size + (blockChecksum ? 4 : 0);
    const before = out.length;
    if (word & 0x80000000) for (const b of block) out.push(b);
    else decodeBlock(block, out, independent ? before : 0, index);
    if (out.length - before > maxBlock)
      fail(`block ${index}: decodes to ${out.length - before} bytes, over ${maxBlock}`);
  }
  p += contentChecksum ? 4 : 0;
  if (p !== frame.length) fail(`${frame.length - p} bytes after the frame`);
  if (contentSize !== undefined && contentSize !== out.length)
    fail(`content size ${contentSize} in the header, ${out.length} decoded`);
  return Uint8Array.from(out);
}
