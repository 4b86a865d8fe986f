/**
 * Reads one rosbag2 sqlite3 file (`.db3`) with sql.js, SQLite compiled to WASM: no native build,
 * so it installs wherever Node runs (better-sqlite3 needs a compiler or a downloaded prebuilt, and
 * node:sqlite is not in Node 20). sql.js holds the whole file in memory.
 *
 * Schemas (rosbag2_storage_sqlite3/src/.../sqlite_storage.cpp): `topics(id, name, type,
 * serialization_format, offered_qos_profiles[, type_description_hash])`, `messages(id, topic_id,
 * timestamp, data)`; from schema version 4 (Iron on) `message_definitions(topic_type, encoding,
 * encoded_message_definition, ...)`. Humble's schema 3 stores no definitions, so its types decode
 * with the bundled ones; older bags lack `schema` and `offered_qos_profiles`.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from "sql.js";
import { BagError } from "./errors.js";
import { errorText, type FileTopic, type StorageFileReader } from "./storage-file.js";
import type { BagMessage, BagProblem, StoredSchema } from "./types.js";

let sqlJs: Promise<SqlJsStatic> | undefined;
export function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= initSqlJs();
  return sqlJs;
}

/** Bytes the header says the database has, when it says so reliably (SQLite file format 1.3). */
function declaredSize(bytes: Uint8Array): number | undefined {
  if (bytes.length < 100) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = view.getUint32(28);
  const valid = view.getUint32(92) === view.getUint32(24);
  return valid && pages > 0 && pageSize >= 512 ? pages * pageSize : undefined;
}

function columnsOf(db: Database, table: string): Set<string> {
  const res = db.exec(`PRAGMA table_info(${table})`);
  return new Set((res[0]?.values ?? []).map((row) => String(row[1])));
}

function rows(db: Database, sql: string): SqlValue[][] {
  return db.exec(sql)[0]?.values ?? [];
}

export class SqliteFileReader implements StorageFileReader {
  readonly storage = "sqlite3" as const;
  topics: FileTopic[] = [];
  messageCount = 0;
  startTime: bigint | undefined;
  endTime: bigint | undefined;
  /** rosbag2 sqlite schema version (0 when the bag predates the `schema` table). */
  schemaVersion = 0;
  private readonly topicById = new Map<number, FileTopic>();

  private constructor(
    readonly path: string,
    private readonly db: Database,
    private readonly truncated: boolean,
  ) {}

  static async open(
    path: string,
    problems: BagProblem[],
    notes: string[],
  ): Promise<SqliteFileReader> {
    const [SQL, bytes] = await Promise.all([loadSqlJs(), readFile(path)]);
    const declared = declaredSize(bytes);
    const truncated = declared !== undefined && declared > bytes.length;
    let db: Database;
    try {
      db = new SQL.Database(bytes);
    } catch (err) {
      throw new BagError("corrupt", path, `${path} cannot be opened as SQLite: ${errorText(err)}`, {
        cause: err,
      });
    }
    const file = new SqliteFileReader(path, db, truncated);
    try {
      file.readCatalog(notes);
    } catch (err) {
      db.close();
      if (err instanceof BagError) throw err;
      throw new BagError(
        truncated ? "truncated" : "corrupt",
        path,
        truncated
          ? `${path} is truncated (${bytes.length} of ${declared} bytes) before its topics could be read (${errorText(err)}); the recording was cut short`
          : `${path} is a damaged SQLite file: ${errorText(err)}`,
        { cause: err },
      );
    }
    if (truncated) {
      problems.push({
        code: "truncated",
        file: path,
        message: `${path} is truncated (${bytes.length} of ${declared} bytes); messages stored in the missing part are lost`,
      });
    }
    if (existsSync(`${path}-wal`)) {
      notes.push(`${path}-wal exists: messages still in SQLite's write-ahead log are not read`);
    }
    return file;
  }

  private readCatalog(notes: string[]): void {
    const tables = new Set(
      rows(this.db, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r[0])),
    );
    if (!tables.has("topics") || !tables.has("messages")) {
      throw new BagError(
        "not_a_bag",
        this.path,
        `${this.path} is an SQLite database without rosbag2's topics and messages tables; it is not a rosbag2 bag`,
      );
    }
    if (tables.has("schema")) {
      this.schemaVersion = Number(rows(this.db, "SELECT schema_version FROM schema")[0]?.[0] ?? 0);
    }
    const definitions = new Map<string, StoredSchema>();
    if (tables.has("message_definitions")) {
      for (const [type, encoding, text] of rows(
        this.db,
        "SELECT topic_type, encoding, encoded_message_definition FROM message_definitions",
      )) {
        if (typeof text === "string" && text !== "") {
          definitions.set(String(type), { encoding: String(encoding), text });
        }
      }
    } else {
      notes.push(
        `${this.path} stores no message definitions (rosbag2 sqlite schema ${this.schemaVersion}); bundled ones are used`,
      );
    }
    const cols = columnsOf(this.db, "topics");
    const qosColumn = cols.has("offered_qos_profiles") ? "offered_qos_profiles" : "''";
    const counts = new Map(
      rows(this.db, "SELECT topic_id, COUNT(*) FROM messages GROUP BY topic_id").map((r) => [
        Number(r[0]),
        Number(r[1]),
      ]),
    );
    for (const [id, name, type, format, qos] of rows(
      this.db,
      `SELECT id, name, type, serialization_format, ${qosColumn} FROM topics ORDER BY id`,
    )) {
      const topic: FileTopic = {
        name: String(name),
        type: String(type),
        count: counts.get(Number(id)) ?? 0,
        qosYaml: typeof qos === "string" ? qos : "",
        serializationFormat: String(format),
        schema: definitions.get(String(type)),
      };
      this.topicById.set(Number(id), topic);
      this.messageCount += topic.count;
    }
    this.topics = [...this.topicById.values()];
    // CAST: sql.js returns INTEGER as a JS number, which cannot hold ns since the epoch exactly.
    const [min, max] =
      rows(
        this.db,
        "SELECT CAST(MIN(timestamp) AS TEXT), CAST(MAX(timestamp) AS TEXT) FROM messages",
      )[0] ?? [];
    if (typeof min === "string") this.startTime = BigInt(min);
    if (typeof max === "string") this.endTime = BigInt(max);
  }

  async *messages(
    topics: ReadonlySet<string> | undefined,
    problems: BagProblem[],
  ): AsyncGenerator<BagMessage> {
    const ids = [...this.topicById]
      .filter(([, t]) => !topics || topics.has(t.name))
      .map(([id]) => id);
    if (ids.length === 0) return;
    const where = topics ? `WHERE topic_id IN (${ids.join(",")})` : "";
    let read = 0;
    let stmt;
    try {
      stmt = this.db.prepare(
        `SELECT topic_id, CAST(timestamp AS TEXT), data FROM messages ${where} ORDER BY timestamp, id`,
      );
    } catch (err) {
      problems.push(this.damage(err, read));
      return;
    }
    try {
      for (;;) {
        let row: SqlValue[];
        try {
          if (!stmt.step()) break;
          row = stmt.get();
        } catch (err) {
          problems.push(this.damage(err, read));
          return;
        }
        const topic = this.topicById.get(Number(row[0]));
        if (!topic) continue; // a message whose topic row is missing cannot be typed
        const time = BigInt(String(row[1]));
        const data = row[2] instanceof Uint8Array ? row[2] : new Uint8Array(0);
        read++;
        yield { topic: topic.name, type: topic.type, logTime: time, publishTime: time, data };
      }
    } finally {
      stmt.free();
    }
  }

  private damage(err: unknown, read: number): BagProblem {
    return {
      code: this.truncated ? "truncated" : "corrupt",
      file: this.path,
      messagesRead: read,
      message: `${this.path}: reading stopped after ${read} messages: ${errorText(err)}`,
    };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
