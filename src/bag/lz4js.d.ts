// lz4js ships no typings; the part of its API spikenode uses.
declare module "lz4js" {
  /** Compresses `src` into an LZ4 frame. */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Decompresses an LZ4 frame. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
