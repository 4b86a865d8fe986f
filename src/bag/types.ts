/** What a bag reader hands out; independent of the storage (MCAP or sqlite3). */
import type { Codec } from "../messages/index.js";
import type { QosProfile } from "./qos.js";

export type StorageId = "mcap" | "sqlite3";

/** One serialized message, as stored. */
export interface BagMessage {
  topic: string;
  /** Full type name, e.g. "sensor_msgs/msg/Image". */
  type: string;
  /** Receive time, ns since the epoch (rosbag2's recorded timestamp). */
  logTime: bigint;
  /** Send time, ns since the epoch (MCAP publishTime; = logTime for sqlite3). */
  publishTime: bigint;
  /** CDR bytes (4-byte encapsulation header + body), in a buffer of their own. */
  data: Uint8Array;
}

/** A message definition stored in the bag for a type. */
export interface StoredSchema {
  /** "ros2msg", "ros2idl" or "" (none). */
  encoding: string;
  text: string;
}

export interface TopicInfo {
  name: string;
  type: string;
  /** Messages on the topic (over all files read). */
  count: number;
  /** offered_qos_profiles, parsed (empty when the bag has none). */
  qos: QosProfile[];
  /** offered_qos_profiles as stored (a YAML string). */
  qosYaml: string;
  /** "cdr" for ROS 2. */
  serializationFormat: string;
  schema?: StoredSchema;
}

/**
 * Data a reader could not deliver: the rest of a truncated file, a damaged chunk, a file that
 * metadata.yaml lists but is missing. The messages before it were delivered.
 */
export interface BagProblem {
  code: "truncated" | "corrupt" | "not_found" | "unreadable";
  file: string;
  message: string;
  /** Messages read from this file before the problem. */
  messagesRead?: number;
}

export interface ReadOptions {
  /** Only these topics (default: all). */
  topics?: readonly string[];
}

export interface BagReader {
  /** The path given to openBag. */
  readonly path: string;
  readonly storage: StorageId;
  /** Storage files, in reading order. */
  readonly files: readonly string[];
  /**
   * Problems met so far (data not delivered). Filled while opening (a truncated unindexed file is
   * scanned then) and while reading; check it after iterating.
   */
  readonly problems: readonly BagProblem[];
  /** Facts worth telling that lose no data (no metadata.yaml, unindexed MCAP read as a stream). */
  readonly notes: readonly string[];
  /** Topics, with message counts. */
  topics(): TopicInfo[];
  /** Earliest and latest logTime (ns), undefined for a bag without messages. */
  readonly startTime: bigint | undefined;
  readonly endTime: bigint | undefined;
  readonly messageCount: number;
  /**
   * Streams the messages, file by file (in logTime order within an indexed MCAP or a sqlite3
   * file; in file order in an unindexed MCAP). Damage ends a file's messages and is recorded in
   * `problems` rather than thrown.
   */
  messages(options?: ReadOptions): AsyncIterableIterator<BagMessage>;
  /**
   * The codec of a topic: the schema stored in the bag when there is a usable one, else the
   * bundled definition of its type. Throws BagError "unknown_type" when neither exists.
   */
  codecFor(topic: string): Codec;
  close(): Promise<void>;
}
