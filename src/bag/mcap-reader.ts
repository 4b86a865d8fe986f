/**
 * Reads one MCAP file. Indexed files are read through their summary (messages in logTime order,
 * chunk by chunk); files without a usable index — unindexed writers, rosbag2's `fastwrite`
 * preset, recordings cut short — are read front to back with the stream reader, which delivers
 * every complete record before the damage and says where it stopped.
 */
import { createReadStream } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import {
  McapIndexedReader,
  McapStreamReader,
  type DecompressHandlers,
  type McapTypes,
} from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";
import { decompressHandlers } from "./compression.js";
import { BagError } from "./errors.js";
import { errorText, mergeTopics, type FileTopic, type StorageFileReader } from "./storage-file.js";
import type { BagMessage, BagProblem, StoredSchema } from "./types.js";

type Channel = McapTypes.Channel;
type Schema = McapTypes.Schema;
type McapRecord = McapTypes.TypedMcapRecord;

const utf8 = new TextDecoder();

function storedSchema(schema: Schema | undefined): StoredSchema | undefined {
  if (!schema || schema.data.byteLength === 0) return undefined;
  return { encoding: schema.encoding, text: utf8.decode(schema.data) };
}

function channelTopic(channel: Channel, schema: Schema | undefined, count: number): FileTopic {
  return {
    name: channel.topic,
    type: schema?.name ?? "",
    count,
    qosYaml: channel.metadata.get("offered_qos_profiles") ?? "",
    serializationFormat: channel.messageEncoding,
    schema: storedSchema(schema),
  };
}

interface StreamEnd {
  status: "complete" | "truncated" | "corrupt";
  detail?: string;
}

/** Every record of the file in order; `end` says how reading stopped. */
async function* streamRecords(
  path: string,
  handlers: DecompressHandlers,
  end: (e: StreamEnd) => void,
): AsyncGenerator<McapRecord> {
  const reader = new McapStreamReader({ decompressHandlers: handlers });
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const buf of stream) {
      reader.append(buf as Buffer);
      for (let r: McapRecord | undefined; (r = reader.nextRecord());) yield r;
      if (reader.done()) break;
    }
    end(
      reader.done()
        ? { status: "complete" }
        : {
            status: "truncated",
            detail: `${reader.bytesRemaining()} bytes of an incomplete record at the end`,
          },
    );
  } catch (err) {
    end({ status: "corrupt", detail: errorText(err) });
  } finally {
    stream.destroy();
  }
}

export class McapFileReader implements StorageFileReader {
  readonly storage = "mcap" as const;
  topics: FileTopic[] = [];
  messageCount = 0;
  startTime: bigint | undefined;
  endTime: bigint | undefined;

  private constructor(
    readonly path: string,
    private readonly handlers: DecompressHandlers,
    private readonly indexed: { reader: McapIndexedReader; handle: FileHandle } | undefined,
  ) {}

  /**
   * Opens the file; problems found while opening (a truncated unindexed file is scanned then)
   * go to `problems`, facts to `notes`.
   */
  static async open(
    path: string,
    problems: BagProblem[],
    notes: string[],
  ): Promise<McapFileReader> {
    const handlers = await decompressHandlers();
    const handle = await open(path, "r");
    let indexedReader: McapIndexedReader | undefined;
    let indexError: string | undefined;
    try {
      indexedReader = await McapIndexedReader.Initialize({
        readable: new FileHandleReadable(handle),
        decompressHandlers: handlers,
      });
    } catch (err) {
      indexError = errorText(err);
    }
    // The indexed reader only finds messages inside chunks; an index over unchunked messages is no use.
    if (
      indexedReader &&
      (indexedReader.chunkIndexes.length > 0 || indexedReader.statistics?.messageCount === 0n)
    ) {
      const file = new McapFileReader(path, handlers, { reader: indexedReader, handle });
      await file.summarizeIndexed(problems);
      return file;
    }
    await handle.close();
    notes.push(
      indexError
        ? `${path} has no usable index (${indexError.replace(/ \[library=.*\]$/, "")}); read front to back`
        : `${path} has no chunk index; read front to back`,
    );
    const file = new McapFileReader(path, handlers, undefined);
    await file.scan(problems);
    return file;
  }

  private async summarizeIndexed(problems: BagProblem[]): Promise<void> {
    const { reader } = this.indexed!;
    let counts = reader.statistics?.channelMessageCounts;
    if (!counts) {
      // No statistics record: count through the message indexes' data.
      const tally = new Map<number, bigint>();
      try {
        for await (const m of reader.readMessages())
          tally.set(m.channelId, (tally.get(m.channelId) ?? 0n) + 1n);
      } catch (err) {
        problems.push({
          code: "corrupt",
          file: this.path,
          message: `${this.path}: ${errorText(err)}`,
        });
      }
      counts = tally;
    }
    const topics = new Map<string, FileTopic>();
    for (const channel of reader.channelsById.values()) {
      const count = Number(counts.get(channel.id) ?? 0n);
      mergeTopics(topics, [channelTopic(channel, reader.schemasById.get(channel.schemaId), count)]);
      this.messageCount += count;
    }
    this.topics = [...topics.values()];
    if (reader.statistics && reader.statistics.messageCount > 0n) {
      this.startTime = reader.statistics.messageStartTime;
      this.endTime = reader.statistics.messageEndTime;
    } else {
      for (const c of reader.chunkIndexes) {
        if (this.startTime === undefined || c.messageStartTime < this.startTime)
          this.startTime = c.messageStartTime;
        if (this.endTime === undefined || c.messageEndTime > this.endTime)
          this.endTime = c.messageEndTime;
      }
    }
  }

  /** One pass over an unindexed file for its topics, counts and times. */
  private async scan(problems: BagProblem[]): Promise<void> {
    const channels = new Map<number, Channel>();
    const schemas = new Map<number, Schema>();
    const counts = new Map<number, number>();
    let end: StreamEnd = { status: "complete" };
    for await (const r of streamRecords(this.path, this.handlers, (e) => (end = e))) {
      if (r.type === "Schema") schemas.set(r.id, r);
      else if (r.type === "Channel") channels.set(r.id, r);
      else if (r.type === "Message") {
        counts.set(r.channelId, (counts.get(r.channelId) ?? 0) + 1);
        this.messageCount++;
        if (this.startTime === undefined || r.logTime < this.startTime) this.startTime = r.logTime;
        if (this.endTime === undefined || r.logTime > this.endTime) this.endTime = r.logTime;
      }
    }
    const topics = new Map<string, FileTopic>();
    for (const channel of channels.values()) {
      mergeTopics(topics, [
        channelTopic(channel, schemas.get(channel.schemaId), counts.get(channel.id) ?? 0),
      ]);
    }
    this.topics = [...topics.values()];
    if (end.status === "complete") return;
    if (channels.size === 0) {
      throw new BagError(
        end.status,
        this.path,
        end.status === "truncated"
          ? `${this.path} is truncated before its first topic (${end.detail}); nothing can be read — the recording was cut short`
          : `${this.path} is damaged before its first topic (${end.detail}); nothing can be read`,
      );
    }
    problems.push({
      code: end.status,
      file: this.path,
      messagesRead: this.messageCount,
      message:
        end.status === "truncated"
          ? `${this.path} is truncated: read ${this.messageCount} messages, then ${end.detail}`
          : `${this.path} is damaged after ${this.messageCount} messages: ${end.detail}`,
    });
  }

  async *messages(
    topics: ReadonlySet<string> | undefined,
    problems: BagProblem[],
  ): AsyncGenerator<BagMessage> {
    let read = 0;
    if (this.indexed) {
      const { reader } = this.indexed;
      const typeOf = new Map<number, string>();
      for (const c of reader.channelsById.values())
        typeOf.set(c.id, reader.schemasById.get(c.schemaId)?.name ?? "");
      try {
        const selected = topics ? [...topics] : undefined;
        for await (const m of reader.readMessages({ topics: selected })) {
          read++;
          yield {
            topic: reader.channelsById.get(m.channelId)!.topic,
            type: typeOf.get(m.channelId) ?? "",
            logTime: m.logTime,
            publishTime: m.publishTime,
            data: m.data,
          };
        }
      } catch (err) {
        problems.push({
          code: "corrupt",
          file: this.path,
          messagesRead: read,
          message: `${this.path} is damaged after ${read} messages: ${errorText(err).replace(/ \[library=.*\]$/, "")}`,
        });
      }
      return;
    }
    // Unindexed: read front to back again; how it ends was recorded by the scan at open.
    const channels = new Map<number, Channel>();
    const schemas = new Map<number, Schema>();
    for await (const r of streamRecords(this.path, this.handlers, () => undefined)) {
      if (r.type === "Schema") schemas.set(r.id, r);
      else if (r.type === "Channel") channels.set(r.id, r);
      else if (r.type === "Message") {
        const channel = channels.get(r.channelId)!;
        if (topics && !topics.has(channel.topic)) continue;
        yield {
          topic: channel.topic,
          type: schemas.get(channel.schemaId)?.name ?? "",
          logTime: r.logTime,
          publishTime: r.publishTime,
          data: r.data,
        };
      }
    }
  }

  async close(): Promise<void> {
    await this.indexed?.handle.close();
  }
}
