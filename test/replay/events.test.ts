/**
 * `spikenode replay` of event-camera bags: an MCAP bag made by `sample-bag --events` (the
 * moving-fashion-srnn model, one result per 4 ms window, against its labels) and a rosbag2
 * sqlite3 recording from event_camera_codecs (evt3, 1280×720) through a small events model.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayBag } from "../../src/bag/replay/index.js";
import { formatSummary } from "../../src/bag/replay/format.js";
import type { Classification } from "../../src/messages/index.js";
import { runCli } from "../support/cli.js";
import { writeTinyModel, type TinyModel } from "../stream/tiny-model.js";
import { readBack, ROOT, tempDir } from "./helpers.js";

const FASHION = join(ROOT, "test/fixtures/train/fashion-mnist");
const SRNN = join(ROOT, "models/moving-fashion-srnn");
const EVT3_SQLITE = join(ROOT, "test/fixtures/events/test_data_evt3_trigger");

let tiny: TinyModel;
beforeAll(async () => {
  // 64 inputs as [2, 4, 8]: 1280×720 at downsample 80 reads a centred 640×320.
  tiny = await writeTinyModel({
    input: { shape: [2, 4, 8], encoder: { type: "events", downsample: 80 } },
  });
});
afterAll(() => tiny.cleanup());

describe("replay of event-camera bags", () => {
  it("classifies a sample-bag --events bag window by window, on the usual output topics", async () => {
    const dir = tempDir();
    const bag = join(dir, "events");
    const made = runCli(
      [
        "sample-bag",
        "--task",
        "moving",
        "--events",
        "--clips",
        "2",
        "--data-dir",
        FASHION,
        "--out",
        bag,
      ],
      { timeout: 60_000 },
    );
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/wrote 2 clips \(18 frames, \d+ events in 72 evt3 packets\)/);
    const out = join(dir, "out");
    const summary = await replayBag({ bag, model: SRNN, out });
    expect(summary.type).toBe("event_camera_msgs/msg/EventPacket");
    expect(summary).toMatchObject({ frames: 18, classified: 18, dropped: 0, errors: 0 });
    expect(summary.events).toMatchObject({ packets: 72, badPackets: 0, windowsDropped: {} });
    expect(summary.accuracy?.labelled).toBe(18);
    expect(formatSummary(summary)).toMatch(/events: 72 packets \(0 bad\), \d+ events/);
    const back = await readBack(out);
    expect(back.byTopic.get("/camera/events")?.messages.length).toBe(72);
    const cls = back.byTopic.get("/spikenode/classification")!;
    expect(cls.messages.length).toBe(18);
    // Stamped with each window's end: 4 ms apart.
    const stamps = (cls.decoded as Classification[]).map(
      (c) => BigInt(c.header.stamp.sec) * 1_000_000_000n + BigInt(c.header.stamp.nanosec),
    );
    expect(stamps.slice(1).map((s, i) => s - stamps[i])).toEqual(new Array(17).fill(4_000_000n));
    expect(back.byTopic.get("/spikenode/power")?.messages.length).toBe(18);
    expect(back.byTopic.get("/spikenode/spike_classification")?.messages.length).toBe(18);
  }, 90_000);

  it("classifies a rosbag2 sqlite3 evt3 recording (event_camera_codecs) through an events model", async () => {
    const out = join(tempDir(), "out");
    const summary = await replayBag({ bag: EVT3_SQLITE, model: tiny.dir, out });
    expect(summary.storage).toBe("sqlite3");
    expect(summary.errors).toBe(0);
    expect(summary.dropped).toBe(0);
    expect(summary.classified).toBe(summary.frames);
    expect(summary.frames).toBeGreaterThan(1);
    expect(summary.events?.packets).toBe(105);
    expect(summary.events?.events).toBeGreaterThan(10_000);
    expect(summary.ticksPerFrame).toBe(30);
    const back = await readBack(out);
    expect(back.byTopic.get("/spikenode/classification")?.messages.length).toBe(summary.frames);
  }, 90_000);

  it("refuses an event topic with a model that reads frames, saying which to use", async () => {
    await expect(
      replayBag({
        bag: EVT3_SQLITE,
        model: join(ROOT, "models/fashion-mnist-lif"),
        out: join(tempDir(), "o"),
      }),
    ).rejects.toThrow(/carries event-camera packets but model .* reads frames .*"events"/);
  });
});
