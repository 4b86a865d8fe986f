/**
 * Writes a rosbag2-compatible MCAP bag: profile "ros2", `ros2msg` schemas with their dependencies,
 * `cdr` channels carrying `offered_qos_profiles`, compressed chunks, a "rosbag2" metadata record,
 * and a version 8 metadata.yaml beside the file — what `ros2 bag info`, `ros2 bag play` and
 * Foxglove open.
 */
import { mkdir, open, readdir, rm, writeFile, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { McapWriter } from "@mcap/core";
import { FileHandleWritable } from "@mcap/nodejs";
import { codecFor, fullTypeName, ros2msgSchemaText } from "../messages/index.js";
import { chunkCompressor, type ChunkCompression } from "./compression.js";
import { BagError } from "./errors.js";
import {
  METADATA_FILE,
  NO_MESSAGES_TIME,
  serializeBagInformation,
  serializeMetadataYaml,
  type BagSummary,
} from "./metadata.js";
import { RECORDED_RELIABLE_QOS, serializeQosProfiles, type QosProfile } from "./qos.js";

export interface BagWriterOptions {
  /** Chunk compression; default "zstd". */
  compression?: ChunkCompression;
  /** zstd level (1–19); default 3. */
  zstdLevel?: number;
  /** Uncompressed bytes per chunk; default 4 MiB. */
  chunkSize?: number;
  /** Write metadata.yaml beside the .mcap; default true. */
  metadata?: boolean;
  /** Replace an existing bag directory's files; default false (a directory bag refuses to). */
  overwrite?: boolean;
  /** ros_distro recorded in the metadata; default "". */
  rosDistro?: string;
}

export interface TopicSpec {
  name: string;
  /** Full type name, e.g. "sensor_msgs/msg/Image". */
  type: string;
  /** Offered QoS profiles; default what rosbag2 records for a reliable, volatile publisher. */
  qos?: readonly QosProfile[];
  /** The `ros2msg` schema; default the bundled definition with its dependencies. */
  schemaText?: string;
}

export interface BagWriteSummary {
  /** The .mcap file written. */
  file: string;
  /** metadata.yaml written beside it, if any. */
  metadataFile?: string;
  messageCount: number;
  topics: { name: string; type: string; count: number }[];
  startTime?: bigint;
  endTime?: bigint;
}

interface TopicState {
  spec: TopicSpec;
  channelId: number;
  qosYaml: string;
  count: number;
  sequence: number;
}

/**
 * `path` ending in ".mcap" writes that file (metadata.yaml beside it, in the same directory);
 * any other path is a bag directory, created, holding `<name>_0.mcap` and metadata.yaml, as
 * `ros2 bag record -o <name>` lays it out.
 */
async function resolveOutput(
  path: string,
  overwrite: boolean,
): Promise<{ dir: string; file: string }> {
  if (path.endsWith(".mcap")) {
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    return { dir, file: path };
  }
  const name = basename(path.replace(/[/\\]+$/, ""));
  const file = join(path, `${name}_0.mcap`);
  let entries: string[] = [];
  try {
    entries = await readdir(path);
  } catch {
    // does not exist yet
  }
  if (entries.length > 0) {
    if (!overwrite) {
      throw new BagError(
        "write_failed",
        path,
        `output bag directory ${path} already exists and is not empty; choose another output or remove it`,
      );
    }
    await Promise.all(
      entries
        .filter((e) => e === METADATA_FILE || e.endsWith(".mcap"))
        .map((e) => rm(join(path, e), { force: true })),
    );
  }
  await mkdir(path, { recursive: true });
  return { dir: path, file };
}

export class McapBagWriter {
  readonly #writer: McapWriter;
  readonly #handle: FileHandle;
  readonly #topics = new Map<string, TopicState>();
  readonly #schemaIds = new Map<string, number>();
  readonly #options: BagWriterOptions;
  #queue: Promise<void> = Promise.resolve();
  #failed: Error | undefined;
  #closed = false;
  #messageCount = 0;
  #start: bigint | undefined;
  #end: bigint | undefined;

  private constructor(
    readonly file: string,
    readonly directory: string,
    handle: FileHandle,
    writer: McapWriter,
    options: BagWriterOptions,
  ) {
    this.#handle = handle;
    this.#writer = writer;
    this.#options = options;
  }

  static async create(path: string, options: BagWriterOptions = {}): Promise<McapBagWriter> {
    const { dir, file } = await resolveOutput(path, options.overwrite ?? false);
    let handle: FileHandle;
    try {
      handle = await open(file, "w");
    } catch (err) {
      throw new BagError("write_failed", file, `cannot create ${file}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const writer = new McapWriter({
      writable: new FileHandleWritable(handle),
      chunkSize: options.chunkSize ?? 4 * 1024 * 1024,
      compressChunk: await chunkCompressor(options.compression ?? "zstd", options.zstdLevel),
    });
    const bag = new McapBagWriter(file, dir, handle, writer, options);
    await bag.#enqueue(() => writer.start({ profile: "ros2", library: "spikenode" }));
    return bag;
  }

  /** Runs writer calls one after another: McapWriter corrupts its file if calls overlap. */
  #enqueue(task: () => Promise<unknown>): Promise<void> {
    const next = this.#queue.then(async () => {
      if (this.#failed) throw this.#failed;
      try {
        await task();
      } catch (err) {
        this.#failed = new BagError(
          "write_failed",
          this.file,
          `writing ${this.file} failed: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
        throw this.#failed;
      }
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Declares a topic (idempotent for the same type); messages can only go to declared topics. */
  addTopic(spec: TopicSpec): Promise<void> {
    if (this.#closed)
      return Promise.reject(
        new BagError("write_failed", this.file, `${this.file} is already closed`),
      );
    const type = fullTypeName(spec.type);
    const existing = this.#topics.get(spec.name);
    if (existing) {
      if (existing.spec.type !== type) {
        return Promise.reject(
          new BagError(
            "write_failed",
            this.file,
            `topic ${spec.name} is already ${existing.spec.type}, cannot add it as ${type}`,
          ),
        );
      }
      return this.#queue;
    }
    const state: TopicState = {
      spec: { ...spec, type },
      channelId: -1,
      qosYaml: serializeQosProfiles(spec.qos ?? [RECORDED_RELIABLE_QOS]),
      count: 0,
      sequence: 0,
    };
    this.#topics.set(spec.name, state);
    return this.#enqueue(async () => {
      let schemaId = this.#schemaIds.get(type);
      if (schemaId === undefined) {
        const text = spec.schemaText ?? ros2msgSchemaText(type);
        schemaId = await this.#writer.registerSchema({
          name: type,
          encoding: "ros2msg",
          data: new TextEncoder().encode(text),
        });
        this.#schemaIds.set(type, schemaId);
      }
      state.channelId = await this.#writer.registerChannel({
        schemaId,
        topic: spec.name,
        messageEncoding: "cdr",
        metadata: new Map([["offered_qos_profiles", state.qosYaml]]),
      });
    });
  }

  #undeclared(topic: string): BagError {
    return new BagError(
      "write_failed",
      this.file,
      `topic ${topic} was not added to ${this.file}; call addTopic first`,
    );
  }

  /** Appends serialized CDR bytes to a declared topic. Calls may overlap; they are written in call order. */
  write(
    topic: string,
    data: Uint8Array,
    logTime: bigint,
    publishTime: bigint = logTime,
  ): Promise<void> {
    const state = this.#topics.get(topic);
    if (!state) return Promise.reject(this.#undeclared(topic));
    if (this.#closed)
      return Promise.reject(
        new BagError("write_failed", this.file, `${this.file} is already closed`),
      );
    state.count++;
    this.#messageCount++;
    if (this.#start === undefined || logTime < this.#start) this.#start = logTime;
    if (this.#end === undefined || logTime > this.#end) this.#end = logTime;
    const sequence = state.sequence++;
    return this.#enqueue(() =>
      this.#writer.addMessage({ channelId: state.channelId, sequence, logTime, publishTime, data }),
    );
  }

  /** Encodes a message with the topic type's bundled codec and appends it. */
  writeMessage(
    topic: string,
    message: object,
    logTime: bigint,
    publishTime: bigint = logTime,
  ): Promise<void> {
    const state = this.#topics.get(topic);
    if (!state) return Promise.reject(this.#undeclared(topic));
    return this.write(topic, codecFor(state.spec.type).encode(message), logTime, publishTime);
  }

  #summary(): BagSummary {
    const start = this.#start ?? NO_MESSAGES_TIME;
    const duration = this.#start === undefined ? 0n : this.#end! - this.#start;
    const topics = [...this.#topics.values()].map((t) => ({
      name: t.spec.name,
      type: t.spec.type,
      serializationFormat: "cdr",
      offeredQosProfiles: t.qosYaml,
      typeDescriptionHash: "",
      messageCount: t.count,
    }));
    return {
      storageIdentifier: "mcap",
      startTime: start,
      duration,
      messageCount: this.#messageCount,
      topics,
      files: [
        { path: basename(this.file), startTime: start, duration, messageCount: this.#messageCount },
      ],
      rosDistro: this.#options.rosDistro ?? "",
    };
  }

  /** Finishes the file (summary, index) and writes metadata.yaml. */
  async close(): Promise<BagWriteSummary> {
    if (this.#closed)
      throw new BagError("write_failed", this.file, `${this.file} is already closed`);
    this.#closed = true;
    const summary = this.#summary();
    try {
      await this.#enqueue(async () => {
        await this.#writer.addMetadata({
          name: "rosbag2",
          metadata: new Map([["serialized_metadata", serializeBagInformation(summary)]]),
        });
        await this.#writer.end();
      });
    } finally {
      await this.#handle.close();
    }
    let metadataFile: string | undefined;
    if (this.#options.metadata ?? true) {
      metadataFile = join(this.directory, METADATA_FILE);
      try {
        await writeFile(metadataFile, serializeMetadataYaml(summary));
      } catch (err) {
        throw new BagError(
          "write_failed",
          metadataFile,
          `cannot write ${metadataFile}: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    return {
      file: this.file,
      metadataFile,
      messageCount: this.#messageCount,
      topics: [...this.#topics.values()].map((t) => ({
        name: t.spec.name,
        type: t.spec.type,
        count: t.count,
      })),
      startTime: this.#start,
      endTime: this.#end,
    };
  }
}
