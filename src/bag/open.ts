/**
 * openBag: a single `.mcap`, a single `.db3`, or a rosbag2 directory (metadata.yaml naming its
 * storage files in order; without metadata.yaml, as a crashed recording leaves it, the storage
 * files in the directory in split order). Bags rosbag2 compressed with zstd, per file or per
 * message, are read too (rosbag2-compression.ts).
 */
import { readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { codecFor, codecFromSchema, hasBundledDefinition, type Codec } from "../messages/index.js";
import { BagError } from "./errors.js";
import { McapFileReader } from "./mcap-reader.js";
import { METADATA_FILE, readMetadata } from "./metadata.js";
import { parseQosProfiles } from "./qos.js";
import {
  DecompressedFiles,
  decompressZstdMessage,
  rosbag2CompressionMode,
  type CompressionMode,
} from "./rosbag2-compression.js";
import { identifyStorageFile, isZstdFile, statOrThrow } from "./sniff.js";
import { SqliteFileReader } from "./sqlite-reader.js";
import { errorText, mergeTopics, type FileTopic, type StorageFileReader } from "./storage-file.js";
import type {
  BagMessage,
  BagProblem,
  BagReader,
  ReadOptions,
  StorageId,
  TopicInfo,
} from "./types.js";

const STORAGE_EXTENSIONS: Record<string, StorageId> = { ".mcap": "mcap", ".db3": "sqlite3" };

async function openStorageFile(
  path: string,
  problems: BagProblem[],
  notes: string[],
  decompressed: DecompressedFiles,
): Promise<StorageFileReader> {
  let file = path;
  if (await isZstdFile(path)) {
    // rosbag2's file compression: read a decompressed copy
    const copy = await decompressed.decompress(path);
    file = copy.file;
    notes.push(`${path} is zstd-compressed (rosbag2 file compression); read a decompressed copy`);
    if (copy.damage) {
      problems.push({
        code: "corrupt",
        file: path,
        message: `${path} does not decompress to the end (${copy.damage}); read what came before the damage`,
      });
    }
  }
  let reader: StorageFileReader;
  try {
    const storage = await identifyStorageFile(file);
    reader =
      storage === "mcap"
        ? await McapFileReader.open(file, problems, notes)
        : await SqliteFileReader.open(file, problems, notes);
  } catch (err) {
    const damage = file !== path && problems.find((p) => p.file === path);
    if (!damage) throw err;
    throw new BagError(
      "corrupt",
      path,
      `${damage.message}, and nothing before it is readable (${errorText(err)})`,
      { cause: err },
    );
  }
  return file === path ? reader : withPath(reader, path);
}

/** A reader of a decompressed copy, listed under the compressed file the user has. */
function withPath(reader: StorageFileReader, path: string): StorageFileReader {
  return {
    path,
    storage: reader.storage,
    topics: reader.topics,
    messageCount: reader.messageCount,
    startTime: reader.startTime,
    endTime: reader.endTime,
    messages: (topics, problems) => reader.messages(topics, problems),
    close: () => reader.close(),
  };
}

/** rosbag2_storage_default_plugins' numbering: name_0.mcap, name_1.mcap, … name_10.mcap. */
function splitIndex(name: string): number {
  const m = /_(\d+)\.[^.]+$/.exec(name);
  return m ? Number(m[1]) : -1;
}

async function filesOfDirectory(
  dir: string,
  notes: string[],
): Promise<{ files: string[]; missing: string[]; compression?: CompressionMode }> {
  const metadataPath = join(dir, METADATA_FILE);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw new BagError("not_found", dir, `cannot list ${dir}: ${errorText(err)}`, { cause: err });
  }
  if (!entries.includes(METADATA_FILE)) {
    const files = entries
      .filter((e) => Object.keys(STORAGE_EXTENSIONS).some((ext) => e.endsWith(ext)))
      .sort((a, b) => splitIndex(a) - splitIndex(b) || a.localeCompare(b));
    if (files.length === 0) {
      throw new BagError(
        "not_a_bag",
        dir,
        `${dir} is not a bag: it has no ${METADATA_FILE} and no .mcap or .db3 files; pass a bag directory or a bag file`,
      );
    }
    notes.push(`${dir} has no ${METADATA_FILE}; read ${files.join(", ")} in that order`);
    return { files: files.map((f) => join(dir, f)), missing: [] };
  }
  const meta = await readMetadata(metadataPath);
  const compression = rosbag2CompressionMode(meta, metadataPath);
  if (
    meta.storageIdentifier !== "" &&
    meta.storageIdentifier !== "mcap" &&
    meta.storageIdentifier !== "sqlite3"
  ) {
    throw new BagError(
      "unknown_storage",
      dir,
      `${metadataPath} names storage "${meta.storageIdentifier}"; spikenode reads mcap and sqlite3 bags: ` +
        `convert it with \`ros2 bag convert\``,
    );
  }
  if (meta.relativeFilePaths.length === 0) {
    throw new BagError(
      "not_a_bag",
      dir,
      `${metadataPath} lists no storage files (relative_file_paths is empty)`,
    );
  }
  const files: string[] = [];
  const missing: string[] = [];
  for (const rel of meta.relativeFilePaths) {
    // Bags of early distros list paths relative to the bag's parent directory.
    const candidates = [join(dir, rel), join(dirname(dir), rel), join(dir, basename(rel))];
    let found: string | undefined;
    for (const c of candidates) {
      try {
        if ((await statOrThrow(c)).isFile()) {
          found = c;
          break;
        }
      } catch {
        // try the next candidate
      }
    }
    if (found) files.push(found);
    else missing.push(join(dir, rel));
  }
  if (compression === "message")
    notes.push(`${dir}: every message is zstd-compressed (rosbag2 message compression)`);
  return { files, missing, compression };
}

class Rosbag2Reader implements BagReader {
  readonly problems: BagProblem[];
  readonly notes: string[];
  readonly startTime: bigint | undefined;
  readonly endTime: bigint | undefined;
  readonly messageCount: number;
  private readonly topicList: TopicInfo[];
  private readonly byName: Map<string, TopicInfo>;
  private readonly codecs = new Map<string, Codec | BagError>();

  constructor(
    readonly path: string,
    readonly storage: StorageId,
    private readonly readers: StorageFileReader[],
    problems: BagProblem[],
    notes: string[],
    private readonly compressedMessages: boolean,
    private readonly decompressed: DecompressedFiles,
  ) {
    this.problems = problems;
    this.notes = notes;
    const merged = new Map<string, FileTopic>();
    let count = 0;
    let start: bigint | undefined;
    let end: bigint | undefined;
    for (const r of readers) {
      mergeTopics(merged, r.topics);
      count += r.messageCount;
      if (r.startTime !== undefined && (start === undefined || r.startTime < start))
        start = r.startTime;
      if (r.endTime !== undefined && (end === undefined || r.endTime > end)) end = r.endTime;
    }
    this.messageCount = count;
    this.startTime = start;
    this.endTime = end;
    this.topicList = [...merged.values()].map((t) => ({ ...t, qos: parseQosProfiles(t.qosYaml) }));
    this.byName = new Map(this.topicList.map((t) => [t.name, t]));
  }

  get files(): readonly string[] {
    return this.readers.map((r) => r.path);
  }

  topics(): TopicInfo[] {
    return this.topicList.map((t) => ({ ...t, qos: [...t.qos] }));
  }

  async *messages(options: ReadOptions = {}): AsyncIterableIterator<BagMessage> {
    const topics = options.topics ? new Set(options.topics) : undefined;
    for (const reader of this.readers) {
      if (!this.compressedMessages) {
        yield* reader.messages(topics, this.problems);
        continue;
      }
      for await (const m of reader.messages(topics, this.problems)) {
        let data: Uint8Array;
        try {
          data = decompressZstdMessage(m.data);
        } catch (err) {
          // one bad message is lost, not the rest of the bag
          this.problems.push({
            code: "corrupt",
            file: reader.path,
            message: `${reader.path}: the message on ${m.topic} logged at ${m.logTime} ns does not decompress (${errorText(err)}); skipped`,
          });
          continue;
        }
        yield { ...m, data };
      }
    }
  }

  codecFor(topic: string): Codec {
    const cached = this.codecs.get(topic);
    if (cached instanceof BagError) throw cached;
    if (cached) return cached;
    const info = this.byName.get(topic);
    if (!info) {
      throw new BagError(
        "unknown_type",
        this.path,
        `${this.path} has no topic ${topic}; its topics are ${this.topicList.map((t) => t.name).join(", ") || "none"}`,
      );
    }
    let codec: Codec | undefined;
    let storedProblem = "it stores no definition";
    if (info.schema) {
      try {
        codec = codecFromSchema(info.type, info.schema.text, info.schema.encoding);
      } catch (err) {
        storedProblem = `its stored definition is unusable (${errorText(err)})`;
      }
    }
    if (!codec && hasBundledDefinition(info.type)) {
      codec = codecFor(info.type);
      if (info.schema)
        this.notes.push(`${topic}: ${storedProblem}; decoded with the bundled ${info.type}`);
    }
    if (!codec) {
      const err = new BagError(
        "unknown_type",
        this.path,
        `cannot decode topic ${topic} (${info.type || "no type"}) of ${this.path}: ${storedProblem} and spikenode ` +
          `bundles none for this type`,
      );
      this.codecs.set(topic, err);
      throw err;
    }
    this.codecs.set(topic, codec);
    return codec;
  }

  async close(): Promise<void> {
    try {
      await Promise.all(this.readers.map((r) => r.close()));
    } finally {
      await this.decompressed.remove();
    }
  }
}

/**
 * Opens a bag for reading. Throws BagError (not_found, empty, not_a_bag, unknown_storage,
 * unsupported_compression, truncated, corrupt) when nothing can be read; damage after readable
 * data is reported in `problems` instead. Close it: that also removes the decompressed copies of
 * a file-compressed bag.
 *
 *   const bag = await openBag("recording/");
 *   for await (const m of bag.messages({ topics: ["/camera/image_raw"] })) bag.codecFor(m.topic).decode(m.data);
 */
export async function openBag(path: string): Promise<BagReader> {
  const info = await statOrThrow(path);
  const problems: BagProblem[] = [];
  const notes: string[] = [];
  let files: string[];
  let compression: CompressionMode | undefined;
  if (info.isDirectory()) {
    const found = await filesOfDirectory(path, notes);
    for (const m of found.missing) {
      problems.push({
        code: "not_found",
        file: m,
        message: `${m} is listed in ${METADATA_FILE} but missing; its messages are not read (restore it, or run \`ros2 bag reindex\`)`,
      });
    }
    if (found.files.length === 0) {
      throw new BagError(
        "not_found",
        path,
        `none of the storage files ${join(path, METADATA_FILE)} lists exist (${found.missing.join(", ")}); restore them`,
      );
    }
    files = found.files;
    compression = found.compression;
  } else {
    files = [path];
  }
  const readers: StorageFileReader[] = [];
  const decompressed = new DecompressedFiles();
  let firstError: BagError | undefined;
  for (const f of files) {
    try {
      readers.push(await openStorageFile(f, problems, notes, decompressed));
    } catch (err) {
      const bagError =
        err instanceof BagError
          ? err
          : new BagError("unreadable", f, `cannot read ${f}: ${errorText(err)}`, { cause: err });
      if (files.length === 1) {
        await decompressed.remove();
        throw bagError;
      }
      // One bad file of a split recording (often the last, cut short) loses only its own messages.
      firstError ??= bagError;
      problems.push({
        code:
          bagError.code === "truncated" || bagError.code === "empty" ? "truncated" : "unreadable",
        file: f,
        messagesRead: 0,
        message: bagError.message,
      });
    }
  }
  if (readers.length === 0) {
    await decompressed.remove();
    throw firstError!;
  }
  const storages = new Set(readers.map((r) => r.storage));
  const storage = storages.size === 1 ? readers[0].storage : "mcap";
  return new Rosbag2Reader(
    path,
    storage,
    readers,
    problems,
    notes,
    compression === "message",
    decompressed,
  );
}
