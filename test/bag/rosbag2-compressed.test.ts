/**
 * Bags compressed by rosbag2 (`--compression-format zstd --compression-mode file|message`): rosbag2's
 * own test bags compressed to that layout with python3-zstandard (test/fixtures/bags/rosbag2-compressed,
 * make_fixtures.py there) read to the same messages as the uncompressed originals; image bags in
 * both modes replay.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zstd from "@foxglove/wasm-zstd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McapBagWriter, openBag, type BagMessage } from "../../src/bag/index.js";
import { replayBag } from "../../src/bag/replay/index.js";
import { FIXTURE_MODEL } from "../replay/helpers.js";
import { collect, tempDir, writeDb3 } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  await zstd.isLoaded;
});

const bags = new URL("../fixtures/bags/", import.meta.url).pathname;
const ORIGINAL = {
  mcap: "bag_with_topics_and_service_events_mcap",
  sqlite3: "bag_with_topics_and_service_events_sqlite3",
};

const decompressedCopies = () =>
  readdirSync(tmpdir()).filter((d) => d.startsWith("spikenode-rosbag2-"));

async function read(path: string) {
  const bag = await openBag(path);
  const messages = await collect(bag.messages());
  const summary = {
    storage: bag.storage,
    count: bag.messageCount,
    topics: bag
      .topics()
      .map((t) => [t.name, t.type, t.count])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    problems: [...bag.problems],
    notes: [...bag.notes],
  };
  return { bag, messages, summary };
}

const plain = (ms: BagMessage[]) =>
  ms.map((m) => ({
    topic: m.topic,
    logTime: m.logTime,
    data: Buffer.from(m.data).toString("hex"),
  }));

describe.each([
  ["zstd_file_mcap", "mcap"],
  ["zstd_file_sqlite3", "sqlite3"],
  ["zstd_message_mcap", "mcap"],
  ["zstd_message_sqlite3", "sqlite3"],
] as const)("rosbag2's test bag, %s", (name, storage) => {
  it("reads to the original's topics, counts and message bytes, and decodes them", async () => {
    const before = decompressedCopies();
    const original = await read(join(bags, ORIGINAL[storage]));
    await original.bag.close();
    const got = await read(join(bags, "rosbag2-compressed", name));
    expect(got.summary.problems).toEqual([]);
    expect(got.summary.storage).toBe(storage);
    expect(got.summary.topics).toEqual(original.summary.topics);
    expect(got.messages.length).toBe(10);
    expect(plain(got.messages)).toEqual(plain(original.messages));
    const strings = got.messages.find((m) => m.topic === "/test_topic1")!;
    expect(got.bag.codecFor("/test_topic1").decode(strings.data)).toEqual(
      original.bag.codecFor("/test_topic1").decode(strings.data),
    );
    expect(got.summary.notes.join("\n")).toMatch(
      name.includes("file")
        ? /zstd-compressed \(rosbag2 file compression\)/
        : /every message is zstd-compressed/,
    );
    await got.bag.close();
    // the decompressed copy of a file-compressed bag is gone once the bag is closed
    expect(decompressedCopies()).toEqual(before);
  });
});

describe("damage in a rosbag2-compressed bag", () => {
  it("a .zstd file cut short: the messages before the cut are read, the damage reported", async () => {
    const file = join(tmp.dir, "long.mcap");
    const w = await McapBagWriter.create(file, {
      compression: "none",
      chunkSize: 4096,
      metadata: false,
    });
    await w.addTopic({ name: "/t", type: "std_msgs/msg/String", schemaText: "string data" });
    // distinct, poorly compressible payloads (xorshift noise): the zstd frame spans many blocks
    const payload = (i: number) => {
      let x = i + 1;
      return new Uint8Array(3000).map(() => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x & 0xff;
      });
    };
    for (let i = 0; i < 200; i++) await w.write("/t", payload(i), BigInt(i));
    await w.close();
    const compressed = zstd.compress(readFileSync(file), 3);
    const dir = join(tmp.dir, "cut-zstd");
    mkdirSync(dir);
    writeFileSync(join(dir, "cut_0.mcap.zstd"), compressed.subarray(0, compressed.length >> 1));
    writeFileSync(
      join(dir, "metadata.yaml"),
      "rosbag2_bagfile_information:\n  version: 8\n  storage_identifier: mcap\n  compression_format: zstd\n  compression_mode: FILE\n  relative_file_paths: [cut_0.mcap.zstd]\n",
    );
    const bag = await openBag(dir);
    try {
      const messages = await collect(bag.messages());
      expect(messages.length).toBeGreaterThan(20);
      expect(messages.length).toBeLessThan(200);
      expect(messages.map((m) => m.data)).toEqual(messages.map((_, i) => payload(i)));
      expect(bag.problems.map((p) => p.message).join("\n")).toMatch(
        /cut_0\.mcap\.zstd does not decompress to the end \(unexpected EOF\)/,
      );
    } finally {
      await bag.close();
    }
  });

  it("message mode: a message that is not a zstd frame is skipped and reported, the others read", async () => {
    const dir = join(tmp.dir, "bad-message");
    mkdirSync(dir);
    const image = (i: number) => new Uint8Array(64).fill(i);
    await writeDb3(
      join(dir, "bad_0.db3"),
      4,
      [{ name: "/t", type: "std_msgs/msg/String" }],
      [0, 1, 2].map((i) => ({
        topic: "/t",
        timestamp: BigInt(i),
        data: i === 1 ? image(i) : new Uint8Array(zstd.compress(image(i), 1)),
      })),
    );
    writeFileSync(
      join(dir, "metadata.yaml"),
      "rosbag2_bagfile_information:\n  version: 5\n  storage_identifier: sqlite3\n  compression_format: zstd\n  compression_mode: MESSAGE\n  relative_file_paths: [bad_0.db3]\n",
    );
    const bag = await openBag(dir);
    const messages = await collect(bag.messages());
    expect(messages.map((m) => m.data)).toEqual([image(0), image(2)]);
    expect(bag.problems).toEqual([
      expect.objectContaining({
        code: "corrupt",
        message: expect.stringMatching(/the message on \/t logged at 1 ns does not decompress/),
      }),
    ]);
    await bag.close();
  });
});

describe("replay of a rosbag2-compressed image bag", () => {
  const fm = join(bags, "fm_mono8_20.mcap");

  it("file mode (fm_mono8_20.mcap compressed whole by libzstd): all 20 frames replayed, none lost", async () => {
    const dir = join(tmp.dir, "fm_file");
    mkdirSync(dir);
    writeFileSync(join(dir, "fm_0.mcap.zstd"), zstd.compress(readFileSync(fm), 3));
    writeFileSync(
      join(dir, "metadata.yaml"),
      "rosbag2_bagfile_information:\n  version: 8\n  storage_identifier: mcap\n  compression_format: zstd\n  compression_mode: FILE\n  relative_file_paths: [fm_0.mcap.zstd]\n",
    );
    writeFileSync(join(dir, "labels.json"), readFileSync(`${fm}.labels.json`));
    const s = await replayBag({
      bag: dir,
      model: FIXTURE_MODEL,
      out: join(tmp.dir, "fm_file_out"),
    });
    expect(s).toMatchObject({
      frames: 20,
      classified: 20,
      errors: 0,
      damaged: false,
      lostFrames: 0,
    });
    expect(s.accuracy?.labelled).toBe(20);
  });

  it("message mode (each image of fm_mono8_20.mcap zstd-compressed in a .db3): all 20 frames replayed", async () => {
    const src = await openBag(fm);
    const originals = await collect(src.messages());
    await src.close();
    const dir = join(tmp.dir, "fm_message");
    mkdirSync(dir);
    await writeDb3(
      join(dir, "fm_0.db3"),
      4,
      [{ name: "/camera/image_raw", type: "sensor_msgs/msg/Image" }],
      originals.map((m) => ({
        topic: m.topic,
        timestamp: m.logTime,
        data: new Uint8Array(zstd.compress(m.data, 1)),
      })),
    );
    writeFileSync(
      join(dir, "metadata.yaml"),
      "rosbag2_bagfile_information:\n  version: 8\n  storage_identifier: sqlite3\n  compression_format: zstd\n  compression_mode: MESSAGE\n  relative_file_paths: [fm_0.db3]\n",
    );
    const s = await replayBag({
      bag: dir,
      model: FIXTURE_MODEL,
      out: join(tmp.dir, "fm_message_out"),
    });
    expect(s).toMatchObject({ frames: 20, classified: 20, errors: 0, damaged: false });
    expect(existsSync(join(tmp.dir, "fm_message_out", "metadata.yaml"))).toBe(true);
  });
});
