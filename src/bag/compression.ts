/**
 * MCAP chunk compression: decompression for reading (zstd, lz4, bz2 via @mcap/support's WASM
 * builds) and compression for writing (zstd via the same WASM zstd, lz4 frames around lz4_flex
 * blocks, see lz4-frame.ts; both WASM, so no native build).
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

let zstdModule: Promise<ZstdModule> | undefined;
async function loadZstd(): Promise<ZstdModule> {
  zstdModule ??= import("@foxglove/wasm-zstd").then(async (mod) => {
    const m = ((mod as { default?: ZstdModule }).default ?? mod) as ZstdModule;
    await m.isLoaded;
    return m;
  });
  return zstdModule;
}

let lz4Module: Promise<typeof import("./lz4-frame.js")> | undefined;
function loadLz4(): Promise<typeof import("./lz4-frame.js")> {
  // Loaded on first use: the module compiles its WASM synchronously at import.
  lz4Module ??= import("./lz4-frame.js");
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
      const { lz4Frame } = await loadLz4();
      return (data) => ({ compression: "lz4", compressedData: lz4Frame(data) });
    }
    default:
      throw new Error(
        `unknown chunk compression "${compression as string}"; choose one of ${CHUNK_COMPRESSIONS.join(", ")}`,
      );
  }
}
