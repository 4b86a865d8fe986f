/**
 * Inputs a replay cannot use end with one clear line (no stack) and exit code 2; a bag cut short
 * after some images still replays what it holds.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { McapIndexedReader } from "@mcap/core";
import { describe, expect, it } from "vitest";
import { McapBagWriter, nanosecondsToStamp } from "../../src/bag/index.js";
import { replayBag } from "../../src/bag/replay/index.js";
import { codecFor } from "../../src/messages/index.js";
import type { ReplaySummary } from "../../src/bag/replay/index.js";
import { runCli } from "../support/cli.js";
import { FIXTURE_MODEL, ROOT, imageMessages, tempDir } from "./helpers.js";

const T0 = 1_700_000_000_000_000_000n;
const PERIOD = 33_333_333n;

async function failure(
  bag: string,
  extra: { topic?: string } = {},
): Promise<Error & { exitCode?: number; userFacing?: boolean }> {
  const err = await replayBag({
    bag,
    model: FIXTURE_MODEL,
    out: join(tempDir(), "out"),
    ...extra,
  }).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err, "replay should have failed").toBeInstanceOf(Error);
  const e = err as Error & { exitCode?: number; userFacing?: boolean };
  expect(e.userFacing).toBe(true);
  expect(e.exitCode).toBe(2);
  expect(e.message).not.toContain("\n");
  return e;
}

function image(i: number): Uint8Array {
  return codecFor("sensor_msgs/msg/Image").encode({
    header: { stamp: nanosecondsToStamp(T0 + BigInt(i) * PERIOD), frame_id: "cam" },
    height: 28,
    width: 28,
    encoding: "mono8",
    step: 28,
    data: new Uint8Array(784).map((_, k) => (k * 31 + i * 7) & 0xff),
  });
}

function diagnostics(i: number): Uint8Array {
  return codecFor("diagnostic_msgs/msg/DiagnosticArray").encode({
    header: { stamp: nanosecondsToStamp(T0 + BigInt(i)), frame_id: "" },
    status: [
      { level: 0, name: `check ${i}`, message: "fine".repeat(20), hardware_id: "hw", values: [] },
    ],
  });
}

/**
 * An MCAP whose first chunk holds only /diagnostics (and both topics' channels), then one chunk
 * per image; returns the bytes and where each chunk starts.
 */
async function diagnosticsThenImages(
  dir: string,
): Promise<{ bytes: Uint8Array; chunkStarts: number[] }> {
  const file = join(dir, "full.mcap");
  const w = await McapBagWriter.create(file, {
    chunkSize: 512,
    metadata: false,
    compression: "none",
  });
  await w.addTopic({ name: "/diagnostics", type: "diagnostic_msgs/msg/DiagnosticArray" });
  await w.addTopic({ name: "/camera/image_raw", type: "sensor_msgs/msg/Image" });
  for (let i = 0; i < 4; i++) await w.write("/diagnostics", diagnostics(i), T0 + BigInt(i));
  for (let i = 0; i < 6; i++)
    await w.write("/camera/image_raw", image(i), T0 + 1000n + BigInt(i) * PERIOD);
  await w.close();
  const bytes = new Uint8Array(readFileSync(file));
  const reader = await McapIndexedReader.Initialize({
    readable: {
      size: async () => BigInt(bytes.length),
      read: async (offset, length) => bytes.subarray(Number(offset), Number(offset + length)),
    },
  });
  return { bytes, chunkStarts: reader.chunkIndexes.map((c) => Number(c.chunkStartOffset)) };
}

describe("inputs that cannot be replayed", () => {
  it("a missing path", async () => {
    const e = await failure(join(tempDir(), "nope.mcap"));
    expect(e.message).toMatch(/^bag not found: .*nope\.mcap; check the path/);
  });

  it("an empty file", async () => {
    const p = join(tempDir(), "empty.mcap");
    writeFileSync(p, "");
    expect((await failure(p)).message).toMatch(/empty\.mcap is empty \(0 bytes\)/);
  });

  it("a file that is not a bag", async () => {
    const p = join(tempDir(), "notes.mcap");
    writeFileSync(p, "these are my notes, not a recording");
    expect((await failure(p)).message).toMatch(/notes\.mcap is not a ROS 2 bag/);
  });

  it("a bag without an image topic: the message lists its topics and types (rosbag2's own MCAP and sqlite3)", async () => {
    for (const name of [
      "bag_with_topics_and_service_events_mcap",
      "bag_with_topics_and_service_events_sqlite3",
    ]) {
      const e = await failure(join(ROOT, "test/fixtures/bags", name));
      expect(e.message).toMatch(
        new RegExp(
          `${name} has no image topic \\(sensor_msgs/msg/Image or CompressedImage\\) or event topic \\(event_camera_msgs/msg/EventPacket\\) to classify; its topics are `,
        ),
      );
      expect(e.message).toMatch(/test_msgs\/msg\/Strings/);
      expect(e.message).toMatch(/test_msgs\/srv\/BasicTypes_Event/);
    }
  });

  it("--topic naming a topic that is not an image", async () => {
    const e = await failure(
      join(ROOT, "test/fixtures/bags/bag_with_topics_and_service_events_mcap"),
      {
        topic: "/events/write_split",
      },
    );
    expect(e.message).toMatch(
      /--topic \/events\/write_split is rosbag2_interfaces\/msg\/WriteSplitEvent, not sensor_msgs/,
    );
  });

  it("a bag truncated before its first image", async () => {
    const dir = tempDir();
    const { bytes, chunkStarts } = await diagnosticsThenImages(dir);
    expect(chunkStarts.length).toBeGreaterThan(2);
    const p = join(dir, "cut.mcap");
    writeFileSync(p, bytes.subarray(0, chunkStarts[1] + 20));
    const e = await failure(p);
    expect(e.message).toMatch(/cut\.mcap ends before its first image: .*cut\.mcap is truncated/);
    // what could be read is listed
    expect(e.message).toMatch(
      /its topics are \/diagnostics \(diagnostic_msgs\/msg\/DiagnosticArray/,
    );
  });

  it("a topic with no messages", async () => {
    const dir = tempDir();
    const p = join(dir, "silent.mcap");
    const w = await McapBagWriter.create(p, { metadata: false });
    await w.addTopic({ name: "/camera/image_raw", type: "sensor_msgs/msg/Image" });
    await w.close();
    expect((await failure(p)).message).toMatch(
      /\/camera\/image_raw in .*silent\.mcap has no messages to classify/,
    );
  });
});

describe("a bag cut short after some images", () => {
  it("replays the images before the cut, reports the truncation and says the bag is damaged", async () => {
    const dir = tempDir();
    const { bytes, chunkStarts } = await diagnosticsThenImages(dir);
    const p = join(dir, "half.mcap");
    // into the middle of the fourth chunk: some images are complete, the rest cut off
    writeFileSync(p, bytes.subarray(0, chunkStarts[4] + 30));
    const s = await replayBag({ bag: p, model: FIXTURE_MODEL, out: join(dir, "out") });
    expect(s.frames).toBeGreaterThan(0);
    expect(s.frames).toBeLessThan(6);
    expect(s).toMatchObject({ classified: s.frames, errors: 0, dropped: 0 });
    expect(s.problems).toEqual([
      expect.objectContaining({
        code: "truncated",
        message: expect.stringMatching(/half\.mcap is truncated/),
      }),
    ]);
    // the cut file has no index: how many images the lost part held is not known
    expect([s.damaged, s.lostFrames]).toEqual([true, null]);
    const out = await imageMessages(s.output.path, "/camera/image_raw");
    expect(out.map((m) => m.data)).toEqual(Array.from({ length: s.frames }, (_, i) => image(i)));
  });

  it("a damaged chunk of an indexed bag: the frames before it replayed, the lost ones counted", async () => {
    const dir = tempDir();
    const { bytes, chunkStarts } = await diagnosticsThenImages(dir);
    const p = join(dir, "bitrot.mcap");
    const damaged = bytes.slice();
    // a byte inside the fourth chunk's records (one image per chunk after the first): its CRC fails
    damaged[chunkStarts[3] + 200] ^= 0xff;
    writeFileSync(p, damaged);
    const s = await replayBag({ bag: p, model: FIXTURE_MODEL, out: join(dir, "out") });
    expect(s.frames).toBeGreaterThan(0);
    expect(s.frames).toBeLessThan(6);
    expect(s).toMatchObject({ damaged: true, lostFrames: 6 - s.frames, expectedFrames: 6 });
    expect(s.problems).toEqual([
      expect.objectContaining({
        code: "corrupt",
        message: expect.stringMatching(
          new RegExp(`bitrot\\.mcap is damaged after ${s.frames} messages`),
        ),
      }),
    ]);
  });

  it("the command exits 3 and says so, with damaged and lostFrames in --json; an intact bag exits 0 with damaged false", async () => {
    const dir = tempDir();
    const { bytes, chunkStarts } = await diagnosticsThenImages(dir);
    const damaged = bytes.slice();
    damaged[chunkStarts[3] + 200] ^= 0xff;
    writeFileSync(join(dir, "bitrot.mcap"), damaged);
    writeFileSync(join(dir, "intact.mcap"), bytes);
    const replay = (name: string) =>
      runCli(
        [
          "replay",
          join(dir, name),
          "--model",
          FIXTURE_MODEL,
          "--out",
          join(dir, `out-${name}`),
          "--json",
        ],
        { cwd: ROOT },
      );
    const bad = replay("bitrot.mcap");
    expect(bad.status).toBe(3);
    const summary = JSON.parse(bad.stdout) as ReplaySummary;
    expect(summary).toMatchObject({ damaged: true, lostFrames: 6 - summary.frames });
    expect(bad.stderr).toContain(
      `spikenode: the bag is damaged: ${6 - summary.frames} of the 6 frames of /camera/image_raw it lists could not be read (exit 3)`,
    );
    const good = replay("intact.mcap");
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout) as ReplaySummary).toMatchObject({
      frames: 6,
      damaged: false,
      lostFrames: 0,
    });
  });
});
