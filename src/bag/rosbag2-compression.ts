/**
 * Bags compressed by rosbag2 itself (`ros2 bag record --compression-mode file|message
 * --compression-format zstd`), as rosbag2_compression and rosbag2_compression_zstd lay them out:
 *
 * - metadata.yaml names `compression_format: zstd` and `compression_mode: FILE` or `MESSAGE`.
 * - file mode: each storage file is zstd-compressed whole once it is closed, and listed under its
 *   compressed name (`<name>_0.db3.zstd`, `<name>_0.mcap.zstd`); streamed, so without a content
 *   size in the frame header. rosbag2 decompresses each to a file beside it; we decompress to a
 *   temporary copy, removed when the bag is closed.
 * - message mode: the storage files are plain; every message's serialized data is one zstd frame
 *   (ZSTD_compressCCtx, so with its content size).
 *
 * fzstd (pure JS) decodes both, streaming for files.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Decompress, decompress } from "fzstd";
import { BagError } from "./errors.js";
import type { BagMetadata } from "./metadata.js";
import { errorText } from "./storage-file.js";

export type CompressionMode = "file" | "message";

/** The compression mode of a bag directory's metadata; undefined for an uncompressed bag. */
export function rosbag2CompressionMode(
  meta: BagMetadata,
  metadataPath: string,
): CompressionMode | undefined {
  const mode = meta.compressionMode.toLowerCase();
  const format = meta.compressionFormat.toLowerCase();
  if (mode === "" || mode === "none") return undefined;
  if (mode !== "file" && mode !== "message") {
    throw new BagError(
      "unsupported_compression",
      metadataPath,
      `${metadataPath} names compression_mode "${meta.compressionMode}"; rosbag2 writes FILE or MESSAGE: restore the metadata or run \`ros2 bag reindex\``,
    );
  }
  if (format !== "zstd") {
    throw new BagError(
      "unsupported_compression",
      metadataPath,
      `${metadataPath} names compression_format "${meta.compressionFormat}" (per ${mode}); spikenode reads zstd, the format ` +
        `rosbag2 ships: convert the bag with \`ros2 bag convert\` to an uncompressed or zstd one`,
    );
  }
  return mode;
}

/** One message's data in message mode. */
export function decompressZstdMessage(data: Uint8Array): Uint8Array {
  return decompress(data);
}

/** Where decompressed copies of file-mode storage files go; removed by `remove`. */
export class DecompressedFiles {
  #dir: string | undefined;

  /**
   * Decompresses a zstd file into a temporary copy named as rosbag2 names it (the `.zstd`
   * dropped). A file cut short or damaged keeps what was decompressed before the damage, and the
   * damage is returned to report: the storage reader then reads that part.
   */
  async decompress(path: string): Promise<{ file: string; damage?: string }> {
    this.#dir ??= await mkdtemp(join(tmpdir(), "spikenode-rosbag2-"));
    const name = basename(path).replace(/\.zstd$/, "") || "storage";
    const file = join(this.#dir, name === basename(path) ? `${name}.decompressed` : name);
    const out = createWriteStream(file);
    const done = new Promise<void>((resolve, reject) => {
      out.on("finish", resolve);
      out.on("error", reject);
    });
    // Copies: the decompressor may hand out views on a window it reuses.
    const z = new Decompress((chunk) => out.write(Uint8Array.from(chunk)));
    let damage: string | undefined;
    try {
      for await (const buf of createReadStream(path, { highWaterMark: 1 << 20 })) {
        z.push(buf as Buffer);
        if (out.writableNeedDrain) await once(out, "drain");
      }
      z.push(new Uint8Array(0), true);
    } catch (err) {
      damage = errorText(err);
    }
    out.end();
    await done;
    return { file, damage };
  }

  async remove(): Promise<void> {
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}
