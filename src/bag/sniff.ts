/**
 * What a file is, from its first bytes (not its name): MCAP, SQLite 3, or something we can name
 * in an error (ROS 1 bag, a compressed file).
 */
import { open, stat } from "node:fs/promises";
import { BagError } from "./errors.js";
import type { StorageId } from "./types.js";

const MCAP_MAGIC = [0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a]; // \x89MCAP0\r\n
const SQLITE_MAGIC = "SQLite format 3\u0000";
const ROS1_MAGIC = "#ROSBAG V2.0";
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const LZ4_MAGIC = [0x04, 0x22, 0x4d, 0x18];

const startsWith = (bytes: Uint8Array, magic: number[]): boolean =>
  bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
const ascii = (bytes: Uint8Array, n: number): string =>
  String.fromCharCode(...bytes.subarray(0, n));

/** A short printable rendering of a file's first bytes, for errors. */
function describeStart(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 8);
  const printable = Array.from(head).every((b) => b >= 0x20 && b < 0x7f);
  return printable
    ? `"${ascii(head, head.length)}"`
    : Array.from(head, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Existence and size of a path, as a BagError when missing. */
export async function statOrThrow(path: string): Promise<Awaited<ReturnType<typeof stat>>> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new BagError(
        "not_found",
        path,
        `bag not found: ${path}; check the path (a .mcap or .db3 file, or a rosbag2 directory with metadata.yaml)`,
        { cause: err },
      );
    }
    throw new BagError("not_found", path, `cannot access ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Whether a file starts with the zstd frame magic (rosbag2's file compression). */
export async function isZstdFile(path: string): Promise<boolean> {
  const head = new Uint8Array(ZSTD_MAGIC.length);
  let n: number;
  try {
    const fh = await open(path, "r");
    try {
      ({ bytesRead: n } = await fh.read(head, 0, head.length, 0));
    } finally {
      await fh.close();
    }
  } catch {
    return false; // identifyStorageFile says what is wrong with it
  }
  return n === head.length && startsWith(head, ZSTD_MAGIC);
}

/** The storage of one file, or a BagError saying what the file is instead. */
export async function identifyStorageFile(path: string): Promise<StorageId> {
  const info = await statOrThrow(path);
  if (!info.isFile()) {
    throw new BagError(
      "not_a_bag",
      path,
      `${path} is not a regular file; pass a .mcap or .db3 file or a bag directory`,
    );
  }
  if (info.size === 0) {
    throw new BagError(
      "empty",
      path,
      `${path} is empty (0 bytes): the recording stored nothing; record again or pick another bag`,
    );
  }
  const head = new Uint8Array(16);
  let n: number;
  try {
    const fh = await open(path, "r");
    try {
      ({ bytesRead: n } = await fh.read(head, 0, head.length, 0));
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new BagError("not_found", path, `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const bytes = head.subarray(0, n);
  if (startsWith(bytes, MCAP_MAGIC)) return "mcap";
  if (ascii(bytes, SQLITE_MAGIC.length) === SQLITE_MAGIC) return "sqlite3";
  if (ascii(bytes, ROS1_MAGIC.length) === ROS1_MAGIC) {
    throw new BagError(
      "unknown_storage",
      path,
      `${path} is a ROS 1 bag; spikenode reads ROS 2 bags (MCAP or sqlite3): convert it, e.g. with \`rosbags-convert\``,
    );
  }
  if (startsWith(bytes, ZSTD_MAGIC) || startsWith(bytes, LZ4_MAGIC)) {
    const tool = startsWith(bytes, ZSTD_MAGIC) ? "zstd -d" : "lz4 -d";
    throw new BagError(
      "unsupported_compression",
      path,
      `${path} is a compressed file (rosbag2 file compression); decompress it first (\`${tool}\`) and pass the result`,
    );
  }
  if (n < MCAP_MAGIC.length && bytes.every((b, i) => b === MCAP_MAGIC[i])) {
    throw new BagError(
      "truncated",
      path,
      `${path} is truncated: its ${n} bytes are only the start of the MCAP magic; the recording was cut short`,
    );
  }
  throw new BagError(
    "not_a_bag",
    path,
    `${path} is not a ROS 2 bag: it starts with ${describeStart(bytes)}, not the MCAP or SQLite 3 magic bytes; ` +
      `pass a .mcap or .db3 file or a rosbag2 directory`,
  );
}
