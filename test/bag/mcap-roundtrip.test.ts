import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { McapIndexedReader } from "@mcap/core";
import { FileHandleReadable } from "@mcap/nodejs";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import {
  CHUNK_COMPRESSIONS,
  McapBagWriter,
  RECORDED_RELIABLE_QOS,
  SENSOR_DATA_QOS,
  openBag,
  type ChunkCompression,
} from "../../src/bag/index.js";
import { ros2msgSchemaText } from "../../src/messages/index.js";
import { FRAME_NS, T0, classificationBytes, collect, imageBytes, tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function writeSample(path: string, compression: ChunkCompression, frames = 12) {
  const out = await McapBagWriter.create(path, { compression, chunkSize: 2048 });
  await out.addTopic({
    name: "/camera/image_raw",
    type: "sensor_msgs/msg/Image",
    qos: [SENSOR_DATA_QOS],
  });
  await out.addTopic({ name: "/spikenode/classification", type: "vision_msgs/msg/Classification" });
  const written: { topic: string; logTime: bigint; publishTime: bigint; data: Uint8Array }[] = [];
  for (let i = 0; i < frames; i++) {
    const t = T0 + BigInt(i) * FRAME_NS;
    const img = imageBytes(i, 64, 48);
    const cls = classificationBytes(i);
    // not awaited one by one: the writer keeps call order
    void out.write("/camera/image_raw", img, t + 1000n, t);
    void out.write("/spikenode/classification", cls, t + 2000n);
    written.push({ topic: "/camera/image_raw", logTime: t + 1000n, publishTime: t, data: img });
    written.push({
      topic: "/spikenode/classification",
      logTime: t + 2000n,
      publishTime: t + 2000n,
      data: cls,
    });
  }
  const summary = await out.close();
  return { summary, written };
}

describe.each(CHUNK_COMPRESSIONS)("MCAP write → read with %s chunks", (compression) => {
  const file = join(tmp.dir, `roundtrip-${compression}.mcap`);

  it("gives back every message, byte for byte, with times, types and QoS", async () => {
    const { summary, written } = await writeSample(file, compression);
    expect(summary.messageCount).toBe(24);
    const bag = await openBag(file);
    expect(bag.storage).toBe("mcap");
    expect(bag.messageCount).toBe(24);
    expect(bag.startTime).toBe(T0 + 1000n);
    expect(bag.problems).toEqual([]);
    expect(bag.notes).toEqual([]);
    const topics = bag.topics();
    expect(topics.map((t) => [t.name, t.type, t.count, t.serializationFormat])).toEqual([
      ["/camera/image_raw", "sensor_msgs/msg/Image", 12, "cdr"],
      ["/spikenode/classification", "vision_msgs/msg/Classification", 12, "cdr"],
    ]);
    expect(topics[0].qos).toEqual([SENSOR_DATA_QOS]);
    expect(topics[1].qos).toEqual([RECORDED_RELIABLE_QOS]);
    expect(topics[0].schema).toEqual({
      encoding: "ros2msg",
      text: ros2msgSchemaText("sensor_msgs/msg/Image"),
    });
    const read = await collect(bag.messages());
    expect(
      read.map(({ topic, logTime, publishTime, data }) => ({ topic, logTime, publishTime, data })),
    ).toEqual(written);
    const decoded = bag.codecFor("/camera/image_raw").decode(read[2].data);
    expect([decoded.width, decoded.height, decoded.encoding]).toEqual([64, 48, "mono8"]);
    const only = await collect(bag.messages({ topics: ["/spikenode/classification"] }));
    expect(only.map((m) => m.topic)).toEqual(Array(12).fill("/spikenode/classification"));
    await bag.close();
  });

  it("uses the ros2 profile, the chosen chunk compression and rosbag2's channel metadata", async () => {
    const handle = await open(file);
    const reader = await McapIndexedReader.Initialize({ readable: new FileHandleReadable(handle) });
    expect(reader.header.profile).toBe("ros2");
    expect(reader.chunkIndexes.length).toBeGreaterThan(1);
    const expected = compression === "none" ? "" : compression;
    expect(new Set(reader.chunkIndexes.map((c) => c.compression))).toEqual(new Set([expected]));
    if (compression !== "none") {
      const packed = reader.chunkIndexes.reduce((n, c) => n + c.compressedSize, 0n);
      const raw = reader.chunkIndexes.reduce((n, c) => n + c.uncompressedSize, 0n);
      expect(packed).toBeLessThan(raw);
    }
    for (const ch of reader.channelsById.values()) {
      expect(ch.messageEncoding).toBe("cdr");
      expect(ch.metadata.get("offered_qos_profiles")).toMatch(/^- history: /);
    }
    for (const s of reader.schemasById.values()) expect(s.encoding).toBe("ros2msg");
    const meta = [];
    for await (const m of reader.readMetadata({ name: "rosbag2" })) meta.push(m);
    expect(parseYaml(meta[0].metadata.get("serialized_metadata")!).message_count).toBe(24);
    await handle.close();
  });

  it("writes a version 8 metadata.yaml beside it", async () => {
    const doc = parseYaml(await readFile(join(tmp.dir, "metadata.yaml"), "utf8"), {
      intAsBigInt: true,
    });
    const info = doc.rosbag2_bagfile_information;
    expect(info.version).toBe(8n);
    expect(info.storage_identifier).toBe("mcap");
    expect(info.message_count).toBe(24n);
    expect(info.starting_time.nanoseconds_since_epoch).toBe(T0 + 1000n);
    expect(info.duration.nanoseconds).toBe(11n * FRAME_NS + 1000n);
    expect(info.relative_file_paths).toEqual([`roundtrip-${compression}.mcap`]);
    expect(
      info.topics_with_message_count.map((t: { message_count: bigint }) => t.message_count),
    ).toEqual([12n, 12n]);
  });
});

describe("MCAP round trips of arbitrary message streams", () => {
  it("keep every message and its times (fast-check)", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            topic: fc.constantFrom("/a", "/b", "/c"),
            gap: fc.bigInt({ min: 1n, max: 10n ** 9n }),
            payload: fc.uint8Array({ maxLength: 200 }),
          }),
          { maxLength: 40 },
        ),
        fc.constantFrom(...CHUNK_COMPRESSIONS),
        async (items, compression) => {
          const file = join(tmp.dir, `prop-${run++}.mcap`);
          const out = await McapBagWriter.create(file, {
            compression,
            chunkSize: 512,
            metadata: false,
          });
          for (const t of ["/a", "/b", "/c"])
            await out.addTopic({ name: t, type: "std_msgs/msg/Header" });
          let t = T0;
          const expected = items.map((it) => {
            t += it.gap;
            const data = Uint8Array.from([0, 1, 0, 0, ...it.payload]);
            void out.write(it.topic, data, t);
            return { topic: it.topic, logTime: t, data };
          });
          await out.close();
          const bag = await openBag(file);
          const got = (await collect(bag.messages())).map(({ topic, logTime, data }) => ({
            topic,
            logTime,
            data,
          }));
          await bag.close();
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("McapBagWriter", () => {
  it("lays out a directory bag as ros2 bag record does", async () => {
    const dir = join(tmp.dir, "recording");
    const out = await McapBagWriter.create(dir);
    await out.addTopic({ name: "/x", type: "std_msgs/Header" });
    await out.writeMessage("/x", { frame_id: "f" }, T0);
    const s = await out.close();
    expect(s.file).toBe(join(dir, "recording_0.mcap"));
    expect(s.metadataFile).toBe(join(dir, "metadata.yaml"));
    const bag = await openBag(dir);
    const [m] = await collect(bag.messages());
    expect(bag.codecFor("/x").decode(m.data).frame_id).toBe("f");
    await bag.close();
    await expect(McapBagWriter.create(dir)).rejects.toThrow(/already exists and is not empty/);
    const again = await McapBagWriter.create(dir, { overwrite: true });
    await again.close();
  });

  it("refuses undeclared topics, conflicting types and writes after close", async () => {
    const out = await McapBagWriter.create(join(tmp.dir, "refuse.mcap"), { metadata: false });
    await expect(out.write("/nope", new Uint8Array(4), T0)).rejects.toThrow(/call addTopic first/);
    await out.addTopic({ name: "/x", type: "std_msgs/msg/Header" });
    await out.addTopic({ name: "/x", type: "std_msgs/Header" }); // same type: fine
    await expect(out.addTopic({ name: "/x", type: "sensor_msgs/msg/Image" })).rejects.toThrow(
      /already std_msgs\/msg\/Header/,
    );
    await out.close();
    await expect(out.write("/x", new Uint8Array(4), T0)).rejects.toThrow(/already closed/);
  });

  it("an empty bag records rosbag2's no-message start time", async () => {
    const dir = join(tmp.dir, "empty-bag");
    const out = await McapBagWriter.create(dir);
    await out.close();
    const yaml = await readFile(join(dir, "metadata.yaml"), "utf8");
    expect(yaml).toContain("nanoseconds_since_epoch: 9223372036854775807");
    expect(yaml).toContain("topics_with_message_count:\n    []");
    const bag = await openBag(dir);
    expect(bag.messageCount).toBe(0);
    expect(await collect(bag.messages())).toEqual([]);
    await bag.close();
  });
});
