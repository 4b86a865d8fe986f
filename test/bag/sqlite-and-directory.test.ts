import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  McapBagWriter,
  openBag,
  serializeMetadataYaml,
  serializeQosProfiles,
  SENSOR_DATA_QOS,
} from "../../src/bag/index.js";
import { codecFor, type RawImage } from "../../src/messages/index.js";
import { FRAME_NS, T0, collect, imageBytes, tempDir, writeDb3 } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const frames = (n: number, from = 0) =>
  Array.from({ length: n }, (_, k) => ({
    topic: "/camera/image_raw",
    timestamp: T0 + BigInt(from + k) * FRAME_NS + 7n,
    data: imageBytes(from + k),
  }));

describe("sqlite3 bags written through rosbag2's tables", () => {
  it("Humble (schema 3, no stored definitions): decodes with the bundled ones, says so", async () => {
    const file = join(tmp.dir, "humble.db3");
    const msgs = frames(5);
    await writeDb3(
      file,
      3,
      [
        {
          name: "/camera/image_raw",
          type: "sensor_msgs/msg/Image",
          qos: serializeQosProfiles([SENSOR_DATA_QOS]),
        },
      ],
      msgs,
    );
    const bag = await openBag(file);
    expect(bag.storage).toBe("sqlite3");
    expect(bag.notes.join()).toMatch(
      /stores no message definitions \(rosbag2 sqlite schema 3\); bundled ones are used/,
    );
    const [topic] = bag.topics();
    expect([topic.name, topic.type, topic.count, topic.schema]).toEqual([
      "/camera/image_raw",
      "sensor_msgs/msg/Image",
      5,
      undefined,
    ]);
    expect(topic.qos).toEqual([SENSOR_DATA_QOS]);
    const read = await collect(bag.messages());
    expect(read.map((m) => [m.logTime, m.publishTime, m.data])).toEqual(
      msgs.map((m) => [m.timestamp, m.timestamp, m.data]),
    );
    const img = bag.codecFor("/camera/image_raw").decode(read[3].data) as RawImage;
    expect(img).toEqual(codecFor("sensor_msgs/msg/Image").decode(imageBytes(3)));
    await bag.close();
  });

  it("newer (schema 4, message_definitions): decodes with the stored definition, even of types we do not bundle", async () => {
    const file = join(tmp.dir, "jazzy.db3");
    // A type spikenode does not bundle: only the stored text can decode it.
    const pointBytes = Uint8Array.from([0, 1, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 104, 105, 0]); // a=7, b="hi"
    await writeDb3(
      file,
      4,
      [
        { name: "/camera/image_raw", type: "sensor_msgs/msg/Image" },
        { name: "/custom", type: "my_msgs/msg/Custom", definition: "int32 a\nstring b\n" },
      ],
      [...frames(3), { topic: "/custom", timestamp: T0 + 5n, data: pointBytes }],
    );
    const bag = await openBag(file);
    expect(bag.notes).toEqual([]);
    expect(bag.topics().map((t) => t.schema?.encoding)).toEqual(["ros2msg", "ros2msg"]);
    const read = await collect(bag.messages());
    expect(read.map((m) => m.topic)).toEqual([
      "/custom",
      "/camera/image_raw",
      "/camera/image_raw",
      "/camera/image_raw",
    ]);
    expect(bag.codecFor("/custom").decode(read[0].data)).toEqual({ a: 7, b: "hi" });
    expect((bag.codecFor("/camera/image_raw").decode(read[1].data) as RawImage).width).toBe(8);
    const filtered = await collect(bag.messages({ topics: ["/custom"] }));
    expect(filtered.length).toBe(1);
    await bag.close();
  });
});

describe("bag directories", () => {
  async function twoFileBag(dir: string) {
    mkdirSync(dir, { recursive: true });
    const files = [`${"split"}_0.mcap`, "split_1.mcap"];
    const all = [frames(4, 0), frames(3, 4)];
    for (let f = 0; f < 2; f++) {
      const out = await McapBagWriter.create(join(dir, files[f]), { metadata: false });
      await out.addTopic({ name: "/camera/image_raw", type: "sensor_msgs/msg/Image" });
      for (const m of all[f]) await out.write(m.topic, m.data, m.timestamp);
      await out.close();
    }
    return { files, all: all.flat() };
  }

  it("reads the files metadata.yaml lists, in its order, and merges topics", async () => {
    const dir = join(tmp.dir, "split");
    const { files, all } = await twoFileBag(dir);
    // List them in reverse: metadata.yaml's order is what counts.
    const summary = {
      storageIdentifier: "mcap",
      startTime: T0,
      duration: 7n * FRAME_NS,
      messageCount: 7,
      topics: [],
      files: [files[1], files[0]].map((path) => ({
        path,
        startTime: T0,
        duration: 0n,
        messageCount: 0,
      })),
      rosDistro: "",
    };
    writeFileSync(join(dir, "metadata.yaml"), serializeMetadataYaml(summary));
    const bag = await openBag(dir);
    expect(bag.files).toEqual([join(dir, files[1]), join(dir, files[0])]);
    expect(bag.topics().map((t) => t.count)).toEqual([7]);
    expect(bag.messageCount).toBe(7);
    expect(bag.startTime).toBe(all[0].timestamp);
    expect(bag.endTime).toBe(all[6].timestamp);
    const read = await collect(bag.messages());
    expect(read.map((m) => m.logTime)).toEqual(
      [...all.slice(4), ...all.slice(0, 4)].map((m) => m.timestamp),
    );
    await bag.close();
  });

  it("without metadata.yaml (a crashed recording) reads the storage files in split order and notes it", async () => {
    const dir = join(tmp.dir, "crashed");
    const { all } = await twoFileBag(dir);
    // name_10 sorts after name_2 by split number, not by text
    copyFileSync(join(dir, "split_1.mcap"), join(dir, "split_10.mcap"));
    const bag = await openBag(dir);
    expect(bag.files.map((f) => f.slice(dir.length + 1))).toEqual([
      "split_0.mcap",
      "split_1.mcap",
      "split_10.mcap",
    ]);
    expect(bag.notes.join()).toMatch(
      /has no metadata.yaml; read split_0.mcap, split_1.mcap, split_10.mcap in that order/,
    );
    expect((await collect(bag.messages())).length).toBe(all.length + 3);
    await bag.close();
  });

  it("a listed file that is missing is a problem, the others are still read", async () => {
    const dir = join(tmp.dir, "missing-part");
    const { files } = await twoFileBag(dir);
    const summary = {
      storageIdentifier: "mcap",
      startTime: T0,
      duration: 0n,
      messageCount: 0,
      topics: [],
      files: [...files, "split_2.mcap"].map((path) => ({
        path,
        startTime: T0,
        duration: 0n,
        messageCount: 0,
      })),
      rosDistro: "",
    };
    writeFileSync(join(dir, "metadata.yaml"), serializeMetadataYaml(summary));
    const bag = await openBag(dir);
    expect(bag.problems).toEqual([
      expect.objectContaining({
        code: "not_found",
        message: expect.stringMatching(/split_2.mcap is listed in metadata.yaml but missing/),
      }),
    ]);
    expect((await collect(bag.messages())).length).toBe(7);
    await bag.close();
  });

  it("a directory of sqlite3 files is read too", async () => {
    const dir = join(tmp.dir, "db3dir");
    mkdirSync(dir);
    await writeDb3(
      join(dir, "db3dir_0.db3"),
      3,
      [{ name: "/camera/image_raw", type: "sensor_msgs/msg/Image" }],
      frames(2),
    );
    await writeDb3(
      join(dir, "db3dir_1.db3"),
      3,
      [{ name: "/camera/image_raw", type: "sensor_msgs/msg/Image" }],
      frames(2, 2),
    );
    const summary = {
      storageIdentifier: "sqlite3",
      startTime: T0,
      duration: 0n,
      messageCount: 4,
      topics: [],
      files: ["db3dir_0.db3", "db3dir_1.db3"].map((path) => ({
        path,
        startTime: T0,
        duration: 0n,
        messageCount: 2,
      })),
      rosDistro: "",
    };
    writeFileSync(join(dir, "metadata.yaml"), serializeMetadataYaml(summary));
    const bag = await openBag(dir);
    expect(bag.storage).toBe("sqlite3");
    expect((await collect(bag.messages())).map((m) => m.logTime)).toEqual(
      frames(4).map((m) => m.timestamp),
    );
    await bag.close();
  });
});
