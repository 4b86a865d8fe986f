/** Bags the project did not write: an independent Python MCAP writer's images, and rosbag2's own. */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import {
  RECORDED_RELIABLE_QOS,
  openBag,
  parseQosProfiles,
  serializeQosProfiles,
} from "../../src/bag/index.js";
import { codecFor, type CompressedImage, type RawImage } from "../../src/messages/index.js";
import { collect } from "./helpers.js";

const fixture = (p: string) => new URL(`../fixtures/bags/${p}`, import.meta.url).pathname;
const labels = (p: string): number[] =>
  JSON.parse(readFileSync(fixture(`${p}.labels.json`), "utf8")).labels;

describe("independent (mcap-ros2-support) image bags", () => {
  it("fm_mono8_20.mcap: 20 raw 28×28 mono8 images, one per label, decoded and re-encoded to the same bytes", async () => {
    const bag = await openBag(fixture("fm_mono8_20.mcap"));
    expect(bag.topics().map((t) => [t.name, t.type, t.count])).toEqual([
      ["/camera/image_raw", "sensor_msgs/msg/Image", 20],
    ]);
    const messages = await collect(bag.messages());
    expect(messages.length).toBe(labels("fm_mono8_20.mcap").length);
    const codec = bag.codecFor("/camera/image_raw");
    for (const m of messages) {
      const img = codec.decode(m.data) as RawImage;
      expect([img.width, img.height, img.step, img.encoding, img.data.length]).toEqual([
        28,
        28,
        28,
        "mono8",
        784,
      ]);
      expect(img.header.frame_id).toBe("camera_optical_frame");
      // our writer produces exactly the bytes another implementation wrote
      expect(codecFor("sensor_msgs/msg/Image").encode(img)).toEqual(m.data);
      // and the bundled definition reads them as the stored one does
      expect(codecFor("sensor_msgs/msg/Image").decode(m.data)).toEqual(img);
    }
    // Fashion-MNIST objects are bright on black: some pixels lit, the corners dark
    const first = codec.decode(messages[0].data) as RawImage;
    expect(first.data[0]).toBe(0);
    expect(Math.max(...first.data)).toBeGreaterThan(100);
    expect(bag.problems).toEqual([]);
    await bag.close();
  });

  it("fm_png_10.mcap: 10 PNG CompressedImages", async () => {
    const bag = await openBag(fixture("fm_png_10.mcap"));
    const messages = await collect(bag.messages({ topics: ["/camera/image_raw/compressed"] }));
    expect(messages.length).toBe(labels("fm_png_10.mcap").length);
    for (const m of messages) {
      const img = bag.codecFor(m.topic).decode(m.data) as CompressedImage;
      expect(img.format).toBe("mono8; png compressed mono8");
      expect(Array.from(img.data.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]); // PNG signature
    }
    await bag.close();
  });
});

describe("the rosbag2-written recording, as MCAP and as sqlite3", () => {
  const dirs = [
    "bag_with_topics_and_service_events_mcap",
    "bag_with_topics_and_service_events_sqlite3",
  ];

  it.each(dirs)("%s: topics and counts agree with its metadata.yaml", async (dir) => {
    const bag = await openBag(fixture(dir));
    const meta = parseYaml(
      readFileSync(fixture(`${dir}/metadata.yaml`), "utf8"),
    ).rosbag2_bagfile_information;
    const expected = meta.topics_with_message_count
      .map((t: { topic_metadata: { name: string; type: string }; message_count: number }) => [
        t.topic_metadata.name,
        t.topic_metadata.type,
        t.message_count,
      ])
      .sort();
    expect(
      bag
        .topics()
        .map((t) => [t.name, t.type, t.count])
        .sort(),
    ).toEqual(expected);
    expect(bag.messageCount).toBe(meta.message_count);
    expect(bag.storage).toBe(dir.endsWith("mcap") ? "mcap" : "sqlite3");
    await bag.close();
  });

  it.each(dirs)("%s: decodes test_msgs/Strings with the stored definition", async (dir) => {
    const bag = await openBag(fixture(dir));
    const strings = await collect(bag.messages({ topics: ["/test_topic1", "/test_topic2"] }));
    expect(strings.length).toBe(2);
    for (const m of strings) {
      const msg = bag.codecFor(m.topic).decode(m.data);
      expect(msg.string_value_default1).toBe("Hello world!");
      expect(msg.string_value_default3).toBe('Hello"world!');
      expect(msg.bounded_string_value_default5).toBe('Hello"world!');
    }
    await bag.close();
  });

  it.each(dirs)(
    "%s: says why service events cannot be decoded, and still streams them",
    async (dir) => {
      const bag = await openBag(fixture(dir));
      const events = await collect(bag.messages({ topics: ["/test_service1/_service_event"] }));
      expect(events.length).toBe(4);
      expect(() => bag.codecFor("/test_service1/_service_event")).toThrow(
        /cannot decode topic \/test_service1\/_service_event \(test_msgs\/srv\/BasicTypes_Event\) .*bundles none/,
      );
      expect(() => bag.codecFor("/nope")).toThrow(/has no topic \/nope; its topics are /);
      await bag.close();
    },
  );

  it("reads nanosecond timestamps exactly from sqlite3", async () => {
    const bag = await openBag(fixture(dirs[1]));
    expect(bag.startTime).toBe(1699345836023194036n);
    const all = await collect(bag.messages());
    expect(all.map((m) => m.logTime)).toEqual(
      [...all.map((m) => m.logTime)].sort((a, b) => (a < b ? -1 : 1)),
    );
    expect(all[all.length - 1].logTime).toBe(bag.endTime);
    await bag.close();
  });

  it("our QoS YAML is byte-identical to what rosbag2 recorded for a reliable volatile publisher", async () => {
    const bag = await openBag(fixture(dirs[0]));
    const recorded = bag.topics().find((t) => t.name === "/test_topic1")!;
    expect(serializeQosProfiles([RECORDED_RELIABLE_QOS])).toBe(recorded.qosYaml);
    expect(recorded.qos).toEqual([RECORDED_RELIABLE_QOS]);
    const events = bag.topics().find((t) => t.name === "/test_service1/_service_event")!;
    expect(events.qos[0].durability).toBe("transient_local");
    await bag.close();
  });

  it("reads the string policies of metadata version 9", () => {
    const v9 = `- history: keep_last\n  depth: 10\n  reliability: best_effort\n  durability: volatile\n  deadline:\n    sec: 1\n    nsec: 5\n  lifespan:\n    sec: 9223372036\n    nsec: 854775807\n  liveliness: automatic\n  liveliness_lease_duration:\n    sec: 9223372036\n    nsec: 854775807\n  avoid_ros_namespace_conventions: false`;
    expect(parseQosProfiles(v9)).toEqual([
      {
        ...RECORDED_RELIABLE_QOS,
        history: "keep_last",
        depth: 10,
        reliability: "best_effort",
        deadline: { sec: 1, nsec: 5 },
      },
    ]);
    expect(parseQosProfiles("")).toEqual([]);
    expect(parseQosProfiles("{not: [a list")).toEqual([]);
  });
});
