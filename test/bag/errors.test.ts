/** Bad inputs: each a BagError with a code and one line naming the file and what to do. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { McapWriter } from "@mcap/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BagError,
  McapBagWriter,
  openBag,
  type BagMessage,
  type BagReader,
} from "../../src/bag/index.js";
import { ros2msgSchemaText } from "../../src/messages/index.js";
import { FRAME_NS, T0, collect, imageBytes, tempDir, writeDb3 } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function expectBagError(path: string, code: string, message: RegExp): Promise<void> {
  const err = await openBag(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BagError);
  const e = err as BagError;
  expect(e.code).toBe(code);
  expect(e.message).toMatch(message);
  expect(e.message).not.toContain("\n");
  expect(e.userFacing).toBe(true);
}

const write = (name: string, bytes: Uint8Array | string) => {
  const p = join(tmp.dir, name);
  writeFileSync(p, bytes);
  return p;
};

let validMcap: Uint8Array;
let validMessages: BagMessage[];
let validDb3: Uint8Array;

beforeAll(async () => {
  const file = join(tmp.dir, "valid.mcap");
  const out = await McapBagWriter.create(file, { chunkSize: 1024, metadata: false });
  await out.addTopic({ name: "/camera/image_raw", type: "sensor_msgs/msg/Image" });
  for (let i = 0; i < 20; i++)
    await out.write("/camera/image_raw", imageBytes(i, 16, 12), T0 + BigInt(i) * FRAME_NS);
  await out.close();
  validMcap = readFileSync(file);
  const bag = await openBag(file);
  validMessages = await collect(bag.messages());
  await bag.close();
  const db = join(tmp.dir, "valid.db3");
  await writeDb3(
    db,
    4,
    [{ name: "/camera/image_raw", type: "sensor_msgs/msg/Image" }],
    validMessages.map((m) => ({ topic: m.topic, timestamp: m.logTime, data: m.data })),
  );
  validDb3 = readFileSync(db);
});

describe("inputs that are not a readable bag", () => {
  it("missing file", () =>
    expectBagError(
      join(tmp.dir, "nope.mcap"),
      "not_found",
      /^bag not found: .*nope\.mcap; check the path/,
    ));

  it("empty file", () =>
    expectBagError(write("empty.mcap", ""), "empty", /empty\.mcap is empty \(0 bytes\)/));

  it("not a bag", () =>
    expectBagError(
      write("notes.mcap", "hello, this is text"),
      "not_a_bag",
      /notes\.mcap is not a ROS 2 bag: it starts with "hello, t"/,
    ));

  it("a ROS 1 bag", () =>
    expectBagError(
      write("old.bag", "#ROSBAG V2.0\nxxxx"),
      "unknown_storage",
      /is a ROS 1 bag; .*rosbags-convert/,
    ));

  it("a zstd file (rosbag2 file compression) that does not decompress", () =>
    expectBagError(
      write("x.mcap.zstd", Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3])),
      "corrupt",
      /x\.mcap\.zstd does not decompress to the end \(.+\); read what came before the damage, and nothing before it is readable/,
    ));

  it("an SQLite database that is not rosbag2", async () => {
    const initSqlJs = (await import("sql.js")).default;
    const SQL = await initSqlJs();
    const other = new SQL.Database();
    other.run("CREATE TABLE people(name TEXT)");
    const p = write("other.db3", other.export());
    await expectBagError(p, "not_a_bag", /without rosbag2's topics and messages tables/);
  });

  it("a directory without a bag", () => {
    const d = join(tmp.dir, "nothing-here");
    mkdirSync(d);
    writeFileSync(join(d, "readme.txt"), "x");
    return expectBagError(d, "not_a_bag", /has no metadata.yaml and no .mcap or .db3 files/);
  });

  it("metadata.yaml naming an unknown storage plugin, or a rosbag2 compression other than zstd", async () => {
    const d = join(tmp.dir, "other-storage");
    mkdirSync(d);
    writeFileSync(
      join(d, "metadata.yaml"),
      "rosbag2_bagfile_information:\n  version: 8\n  storage_identifier: rosbag_v2\n  relative_file_paths: [x.bag]\n",
    );
    await expectBagError(d, "unknown_storage", /names storage "rosbag_v2"; .*ros2 bag convert/);
    writeFileSync(
      join(d, "metadata.yaml"),
      "rosbag2_bagfile_information:\n  version: 8\n  storage_identifier: mcap\n  compression_format: lz4\n  compression_mode: FILE\n  relative_file_paths: [x.mcap.lz4]\n",
    );
    await expectBagError(
      d,
      "unsupported_compression",
      /names compression_format "lz4" \(per file\); spikenode reads zstd/,
    );
    writeFileSync(
      join(d, "metadata.yaml"),
      "rosbag2_bagfile_information:\n  version: 8\n  storage_identifier: mcap\n  compression_format: zstd\n  compression_mode: CHUNK\n  relative_file_paths: [x.mcap]\n",
    );
    await expectBagError(d, "unsupported_compression", /names compression_mode "CHUNK"/);
    writeFileSync(join(d, "metadata.yaml"), "just: text");
    await expectBagError(d, "not_a_bag", /no rosbag2_bagfile_information/);
  });

  it("an MCAP cut inside its magic or header", async () => {
    await expectBagError(
      write("cut4.mcap", validMcap.slice(0, 4)),
      "truncated",
      /truncated: its 4 bytes are only the start of the MCAP magic/,
    );
    await expectBagError(
      write("cut30.mcap", validMcap.slice(0, 30)),
      "truncated",
      /truncated before its first topic/,
    );
  });
});

describe("truncated bags report what they read", () => {
  it("an MCAP cut in the middle delivers the complete chunks before the cut", async () => {
    const p = write("half.mcap", validMcap.slice(0, Math.floor(validMcap.length * 0.6)));
    const bag = await openBag(p);
    const read = await collect(bag.messages());
    expect(read.length).toBeGreaterThan(0);
    expect(read.length).toBeLessThan(20);
    expect(read).toEqual(validMessages.slice(0, read.length));
    expect(bag.problems).toEqual([
      expect.objectContaining({
        code: "truncated",
        messagesRead: read.length,
        message: expect.stringMatching(/half\.mcap is truncated: read \d+ messages/),
      }),
    ]);
    expect(bag.notes.join()).toMatch(/no usable index .* read front to back/);
    expect(bag.topics()[0].count).toBe(read.length);
    await bag.close();
  });

  it("an MCAP with no index at all (unindexed writer) is read front to back", async () => {
    const chunks: Uint8Array[] = [];
    const writer = new McapWriter({
      writable: {
        position: () => BigInt(chunks.reduce((n, c) => n + c.length, 0)),
        write: async (b) => void chunks.push(b.slice()),
      },
      useChunks: false,
      useStatistics: false,
      useSummaryOffsets: false,
      useChunkIndex: false,
      useMessageIndex: false,
      repeatChannels: false,
      repeatSchemas: false,
    });
    await writer.start({ profile: "ros2", library: "test" });
    const schemaId = await writer.registerSchema({
      name: "sensor_msgs/msg/Image",
      encoding: "ros2msg",
      data: new TextEncoder().encode(ros2msgSchemaText("sensor_msgs/msg/Image")),
    });
    const channelId = await writer.registerChannel({
      schemaId,
      topic: "/cam",
      messageEncoding: "cdr",
      metadata: new Map(),
    });
    for (let i = 0; i < 3; i++)
      await writer.addMessage({
        channelId,
        sequence: i,
        logTime: T0 + BigInt(i),
        publishTime: T0,
        data: imageBytes(i),
      });
    await writer.end();
    const p = write("unindexed.mcap", Buffer.concat(chunks));
    const bag = await openBag(p);
    expect(bag.problems).toEqual([]);
    expect(bag.topics().map((t) => [t.name, t.count])).toEqual([["/cam", 3]]);
    const read = await collect(bag.messages());
    expect(read.map((m) => m.data)).toEqual([0, 1, 2].map((i) => imageBytes(i)));
    expect(bag.codecFor("/cam").decode(read[0].data).width).toBe(8);
    await bag.close();
  });

  it("a truncated .db3 says so (and reads what SQLite still can)", async () => {
    const p = write("half.db3", validDb3.slice(0, Math.floor(validDb3.length / 2)));
    const result = await openBag(p).then(
      async (bag) => {
        const read = await collect(bag.messages());
        const problems = bag.problems;
        await bag.close();
        return { read, problems };
      },
      (e: unknown) => e,
    );
    if (result instanceof BagError) {
      expect(result.code).toBe("truncated");
      expect(result.message).toMatch(/half\.db3 is truncated \(\d+ of \d+ bytes\)/);
    } else {
      const { read, problems } = result as { read: BagMessage[]; problems: BagReader["problems"] };
      expect(problems[0]).toMatchObject({ code: "truncated" });
      for (const m of read) expect(validMessages).toContainEqual(m);
    }
  });
});

/** Opens and drains a bag: true when read, false when refused with a BagError; anything else fails. */
async function drain(
  path: string,
  check: (m: BagMessage, bag: BagReader) => void,
): Promise<boolean> {
  let bag: BagReader;
  try {
    bag = await openBag(path);
  } catch (err) {
    expect(err).toBeInstanceOf(BagError);
    return false;
  }
  try {
    for await (const m of bag.messages()) check(m, bag);
  } finally {
    await bag.close();
  }
  return true;
}

describe("fuzzing damaged bags", () => {
  it("every truncation of an MCAP is refused with a BagError or yields a prefix of its messages", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: validMcap.length - 1 }), async (cut) => {
        const p = write(`trunc-${n++}.mcap`, validMcap.slice(0, cut));
        let k = 0;
        await drain(p, (m) => expect(m).toEqual(validMessages[k++]));
      }),
      { numRuns: 60 },
    );
  });

  it("random byte damage to an MCAP never escapes as anything but a BagError or a recorded problem", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: validMcap.length - 1 }),
            value: fc.integer({ min: 0, max: 255 }),
          }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        async (edits) => {
          const bytes = validMcap.slice();
          for (const e of edits) bytes[e.at] = e.value;
          const p = write(`damaged-${n++}.mcap`, bytes);
          await drain(p, (m) => {
            // chunk CRCs catch damaged data: whatever is delivered is an original message
            expect(validMessages.some((v) => v.logTime === m.logTime)).toBe(true);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("random bytes after an MCAP or SQLite magic are refused with a BagError or read without throwing", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("mcap", "db3"),
        fc.uint8Array({ minLength: 1, maxLength: 4096 }),
        async (kind, tail) => {
          const magic = kind === "mcap" ? validMcap.slice(0, 8) : validDb3.slice(0, 100);
          const p = write(`random-${n++}.${kind}`, Buffer.concat([magic, tail]));
          await drain(p, () => undefined);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("truncations and damage of a .db3 are refused with a BagError or read", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: validDb3.length }),
        fc.array(fc.integer({ min: 0, max: validDb3.length - 1 }), { maxLength: 4 }),
        async (cut, flips) => {
          const bytes = validDb3.slice(0, cut);
          for (const at of flips) if (at < bytes.length) bytes[at] ^= 0x5a;
          const p = write(`db-${n++}.db3`, bytes);
          await drain(p, () => undefined);
        },
      ),
      { numRuns: 40 },
    );
  });
});
