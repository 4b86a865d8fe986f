/** Shared test helpers: temp dirs, sample messages, and a rosbag2 sqlite3 writer. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { codecFor, ros2msgSchemaText } from "../../src/messages/index.js";
import { nanosecondsToStamp } from "../../src/bag/index.js";

export function tempDir(prefix = "spikenode-bag-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const T0 = 1_700_000_000_000_000_000n;
export const FRAME_NS = 33_333_333n;

/** A small mono8 image message whose pixels depend on `i`, stamped at T0 + i frames. */
export function imageBytes(i: number, width = 8, height = 6): Uint8Array {
  const data = new Uint8Array(width * height);
  for (let k = 0; k < data.length; k++) data[k] = (k * 7 + i * 13) & 0xff;
  return codecFor("sensor_msgs/msg/Image").encode({
    header: {
      stamp: nanosecondsToStamp(T0 + BigInt(i) * FRAME_NS),
      frame_id: "camera_optical_frame",
    },
    height,
    width,
    encoding: "mono8",
    is_bigendian: 0,
    step: width,
    data,
  });
}

export function classificationBytes(i: number): Uint8Array {
  return codecFor("vision_msgs/msg/Classification").encode({
    header: {
      stamp: nanosecondsToStamp(T0 + BigInt(i) * FRAME_NS),
      frame_id: "camera_optical_frame",
    },
    results: [
      { class_id: String(i % 10), score: 0.75 },
      { class_id: String((i + 1) % 10), score: 0.25 },
    ],
  });
}

export interface Db3Topic {
  name: string;
  type: string;
  qos?: string;
  /** ros2msg text stored in message_definitions (schema 4 only); default the bundled text if any. */
  definition?: string;
}

export interface Db3Message {
  topic: string;
  timestamp: bigint;
  data: Uint8Array;
}

/**
 * Writes a .db3 through the tables rosbag2_storage_sqlite3 creates: schema version 3 as Humble
 * writes it (no message_definitions, no type_description_hash), or 4 as Iron and later do.
 */
export async function writeDb3(
  path: string,
  schemaVersion: 3 | 4,
  topics: Db3Topic[],
  messages: Db3Message[],
): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run("CREATE TABLE schema(schema_version INTEGER PRIMARY KEY,ros_distro TEXT NOT NULL);");
  db.run(
    "CREATE TABLE metadata(id INTEGER PRIMARY KEY,metadata_version INTEGER NOT NULL,metadata TEXT NOT NULL);",
  );
  if (schemaVersion === 3) {
    db.run(
      "CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL);",
    );
  } else {
    db.run(
      "CREATE TABLE topics(id INTEGER PRIMARY KEY,name TEXT NOT NULL,type TEXT NOT NULL,serialization_format TEXT NOT NULL,offered_qos_profiles TEXT NOT NULL,type_description_hash TEXT NOT NULL);",
    );
    db.run(
      "CREATE TABLE message_definitions(id INTEGER PRIMARY KEY,topic_type TEXT NOT NULL,encoding TEXT NOT NULL,encoded_message_definition TEXT NOT NULL,type_description_hash TEXT NOT NULL);",
    );
  }
  db.run(
    "CREATE TABLE messages(id INTEGER PRIMARY KEY,topic_id INTEGER NOT NULL,timestamp INTEGER NOT NULL, data BLOB NOT NULL);",
  );
  db.run("CREATE INDEX timestamp_idx ON messages (timestamp ASC);");
  db.run("INSERT INTO schema VALUES (?, ?)", [
    schemaVersion,
    schemaVersion === 3 ? "humble" : "jazzy",
  ]);
  const ids = new Map<string, number>();
  topics.forEach((t, i) => {
    const qos = t.qos ?? "";
    if (schemaVersion === 3) {
      db.run("INSERT INTO topics VALUES (?, ?, ?, 'cdr', ?)", [i + 1, t.name, t.type, qos]);
    } else {
      db.run("INSERT INTO topics VALUES (?, ?, ?, 'cdr', ?, '')", [i + 1, t.name, t.type, qos]);
      let text = t.definition;
      if (text === undefined) {
        try {
          text = ros2msgSchemaText(t.type);
        } catch {
          text = "";
        }
      }
      db.run(
        "INSERT INTO message_definitions (topic_type, encoding, encoded_message_definition, type_description_hash) VALUES (?, 'ros2msg', ?, '')",
        [t.type, text],
      );
    }
    ids.set(t.name, i + 1);
  });
  for (const m of messages) {
    // ns timestamps exceed 2^53: bind as text and let SQLite store the exact integer.
    db.run("INSERT INTO messages (topic_id, timestamp, data) VALUES (?, CAST(? AS INTEGER), ?)", [
      ids.get(m.topic)!,
      m.timestamp.toString(),
      m.data,
    ]);
  }
  writeFileSync(path, db.export());
  db.close();
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
