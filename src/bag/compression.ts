/**
 * MCAP chunk compression: decompression for reading (zstd, lz4, bz2 via @mcap/support's WASM
 * builds) and compression for writing (zstd via the same WASM zstd, lz4 frames via lz4js; both
 * pure JS/WASM, so no native build).
 */
import type { DecompressHandlers } from "@mcap/core";
import { loadDecompressHandlers } from "@mcap/support";

export type ChunkCompression = "zstd" | "lz4" | "none";

export const CHUNK_COMPRESSIONS: readonly ChunkCompression[] = ["zstd", "lz4", "none"];

export type CompressChunk = (data: Uint8Array) => {
  compression: string;
  compressedData: Uint8Array;
};

export function decompressHandlers(): Promise<DecompressHandlers> {
  return loadDecompressHandlers();
}

interface ZstdModule {
  isLoaded: Promise<boolean>;
  compress(buffer: Uint8Array, level?: number): Uint8Array;
}
interface Lz4jsModule {
  compress(src: Uint8Array, maxSize?: number): Uint8Array | number[];
}

let zstdModule: Promise<ZstdModule> | undefined;
async function loadZstd(): Promise<ZstdModule> {
  zstdModule ??= import("@foxglove/wasm-zstd").then(async (mod) => {
    const m = ((mod as { default?: ZstdModule }).default ?? mod) as ZstdModule;
    await m.isLoaded;
    return m;
  });
  return zstdModule;
}

let lz4Module: Promise<Lz4jsModule> | undefined;
async function loadLz4(): Promise<Lz4jsModule> {
  lz4Module ??= import("lz4js").then(
    (mod) => ((mod as { default?: Lz4jsModule }).default ?? mod) as Lz4jsModule,
  );
  return lz4Module;
}

/** The chunk compressor for McapWriter, or undefined for uncompressed chunks. */
export async function chunkCompressor(
  compression: ChunkCompression,
  zstdLevel = 3,
): Promise<CompressChunk | undefined> {
  switch (compression) {
    case "none":
      return undefined;
    case "zstd": {
      const zstd = await loadZstd();
      // The WASM module hands back a view on its own memory: copy it out before the next call.
      return (data) => ({
        compression: "zstd",
        compressedData: new Uint8Array(zstd.compress(data, zstdLevel)),
      });
    }
    case "lz4": {
      const lz4 = await loadLz4();
      return (data) => ({
        compression: "lz4",
        compressedData: Uint8Array.from(lz4.compress(data)),
      });
    }
    default:
      throw new Error(
        `unknown chunk compression "${compression as string}"; choose one of ${CHUNK_COMPRESSIONS.join(", ")}`,
      );
  }
}
