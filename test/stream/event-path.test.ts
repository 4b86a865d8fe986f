/**
 * The event path end to end with the shipped streaming model: moving Fashion-MNIST frames →
 * delta-encoder events → an evt3 EventPacket bag (sample-bag --events) → the pipeline's event
 * windows → the same network. It must classify the bag exactly as the frame path classifies the
 * frames: same events, same spikes, same scores.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { openBag } from "../../src/bag/index.js";
import { SAMPLE_START_TIME } from "../../src/bag/camera-sample.js";
import { nanosecondsToStamp } from "../../src/bag/time.js";
import { writeEventSample } from "../../src/cli/event-sample.js";
import { EventStreamDecoder } from "../../src/events/index.js";
import { codecFor, type EventPacket } from "../../src/messages/index.js";
import { createPipeline } from "../../src/stream/pipeline.js";
import type { ClassificationResult, InputMessageType } from "../../src/stream/types.js";
import {
  loadMovingFashion,
  movingFrameStream,
  MOVING_EVENT_DEFAULTS,
} from "../../src/train/datasets/moving-events.js";
import { tempDir } from "../support/temp.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = join(root, "test/fixtures/train/fashion-mnist");
const MODEL = join(root, "models/moving-fashion-srnn");
const PERIOD_NS = 4_000_000n;

const deserialize = (type: InputMessageType, bytes: Uint8Array) =>
  codecFor(type).decode(bytes) as never;

describe("event path: a bag of delta-encoder events classifies as its frames do", () => {
  it("gives the frame path's spikes and scores window for window (moving-fashion-srnn)", async () => {
    const set = loadMovingFashion("test", { count: 4 }, FIXTURE);
    const stream = movingFrameStream(set, 4);
    const dir = tempDir("spikenode-events-");
    const sample = await writeEventSample(stream, {
      out: join(dir, "events"),
      encoder: MOVING_EVENT_DEFAULTS.encoder,
      periodUs: 4000,
    });
    // 36 frames of 4 ms in 1 ms packets.
    expect(sample.packets).toBe(36 * 4);
    expect(sample.events).toBeGreaterThan(500);

    // Frame path: mono8 32×32 frames 4 ms apart, continuous (the model's presentation).
    const frames = createPipeline({ model: MODEL });
    const byFrame: ClassificationResult[] = [];
    frames.results$.subscribe((r) => byFrame.push(r));
    const bytes = new Uint8Array(32 * 32);
    for (let f = 0; f < stream.count; f++) {
      await frames.capacityAvailable();
      frames.push({
        kind: "image",
        message: {
          header: {
            stamp: nanosecondsToStamp(SAMPLE_START_TIME + BigInt(f) * PERIOD_NS),
            frame_id: "camera_optical_frame",
          },
          height: 32,
          width: 32,
          encoding: "mono8",
          is_bigendian: 0,
          step: 32,
          data: stream.render(f, bytes).slice(),
        },
      });
    }
    await frames.close();

    // Event path: the bag's packets as CDR, as replay and the node hand them over.
    const events = createPipeline({ model: MODEL, deserialize });
    const info = await events.ready();
    expect(info.events).toEqual({ windowNs: 4_000_000, ticks: 4, reads: "delta" });
    const byWindow: ClassificationResult[] = [];
    const errors: string[] = [];
    events.results$.subscribe((r) => byWindow.push(r));
    events.errors$.subscribe((e) => errors.push(e.message));
    const bag = await openBag(sample.bag.file);
    const decoder = new EventStreamDecoder();
    let decoded = 0;
    for await (const m of bag.messages()) {
      decoded +=
        decoder.decode(codecFor("event_camera_msgs/msg/EventPacket").decode(m.data) as EventPacket)
          .problems === 0
          ? decoder.batch.count
          : 0;
      await events.capacityAvailable();
      events.push({ kind: "serialized", type: "event_camera_msgs/msg/EventPacket", data: m.data });
    }
    await bag.close();
    await events.close();
    expect(decoded).toBe(sample.events);
    expect(errors).toEqual([]);

    expect(byWindow.length).toBe(byFrame.length);
    expect(byFrame.length).toBe(36);
    const stats = events.stats();
    expect(stats).toMatchObject({ received: 36, processed: 36, dropped: 0, errors: 0 });
    expect(stats.events).toMatchObject({
      packets: 144,
      badPackets: 0,
      events: sample.events,
      eventsDropped: 0,
      windowsDropped: {},
    });
    let spikes = 0;
    byWindow.forEach((w, i) => {
      const f = byFrame[i];
      expect(w.timestepsUsed).toBe(4);
      expect(f.timestepsUsed).toBe(4);
      expect(w.outputSpikeCounts).toEqual(f.outputSpikeCounts);
      expect(w.counters.total.spikes).toBe(f.counters.total.spikes);
      expect(w.counters.total.synapticOps).toBe(f.counters.total.synapticOps);
      expect(w.scores).toEqual(f.scores);
      expect(w.classId).toBe(f.classId);
      // Stamped with the window's end: the frame's start plus 4 ms.
      const end = nanosecondsToStamp(SAMPLE_START_TIME + BigInt(i + 1) * PERIOD_NS);
      expect(w.header.stamp).toEqual(end);
      spikes += w.counters.total.spikes;
    });
    // A test that would pass on a silent network proves nothing.
    expect(spikes).toBeGreaterThan(0);
    expect(new Set(byWindow.map((r) => r.classId)).size).toBeGreaterThan(1);
  }, 60_000);
});

describe("event path under back-pressure, and with bad packets (real worker)", () => {
  const packets: Uint8Array[] = [];
  let total = 0;
  beforeAll(async () => {
    const set = loadMovingFashion("test", { count: 12 }, FIXTURE);
    const dir = tempDir("spikenode-events-");
    const sample = await writeEventSample(movingFrameStream(set, 12), {
      out: join(dir, "events"),
      encoder: MOVING_EVENT_DEFAULTS.encoder,
      periodUs: 4000,
    });
    total = sample.events;
    const bag = await openBag(sample.bag.file);
    for await (const m of bag.messages()) packets.push(m.data.slice());
    await bag.close();
  });

  /** Every window's events, from a run that waits for room (nothing dropped). */
  async function reference(): Promise<Map<number, number>> {
    const p = createPipeline({ model: MODEL, deserialize });
    const events = new Map<number, number>();
    p.results$.subscribe((r) => events.set(r.window!.index, r.window!.events));
    for (const data of packets) {
      await p.capacityAvailable();
      p.push({ kind: "serialized", type: "event_camera_msgs/msg/EventPacket", data });
    }
    await p.close();
    expect(p.stats().dropped).toBe(0);
    return events;
  }

  it("drops whole windows when the engine falls behind, counts them, and feeds the rest whole", async () => {
    const full = await reference();
    expect(full.size).toBe(108);
    const p = createPipeline({ model: MODEL, deserialize });
    await p.ready();
    const results: ClassificationResult[] = [];
    p.results$.subscribe((r) => results.push(r));
    // 432 packets (108 windows of 4 ms) at once, as a driver bursting faster than the engine.
    for (const data of packets)
      p.push({ kind: "serialized", type: "event_camera_msgs/msg/EventPacket", data });
    await p.close();
    const stats = p.stats();
    expect(stats.received).toBe(108);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.processed + stats.dropped).toBe(108);
    expect(stats.events!.windowsDropped).toEqual({ behind: stats.dropped });
    // Never half-fed: each window classified got all its ticks and all its events.
    let fed = 0;
    for (const r of results) {
      expect(r.timestepsUsed).toBe(4);
      expect(r.window!.events).toBe(full.get(r.window!.index));
      fed += r.window!.events;
    }
    expect(fed + stats.events!.eventsInDroppedWindows).toBe(total);
    // Windows come out in order; the newest won.
    const order = results.map((r) => r.window!.index);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.at(-1)).toBe(107);
  }, 60_000);

  it("counts bad packets by reason and goes on classifying", async () => {
    const p = createPipeline({ model: MODEL, deserialize });
    const errors: { reason: string; message: string }[] = [];
    const results: ClassificationResult[] = [];
    p.errors$.subscribe((e) => errors.push(e));
    p.results$.subscribe((r) => results.push(r));
    const codec = codecFor("event_camera_msgs/msg/EventPacket");
    const packet = (encoding: string, is_bigendian = false) =>
      codec.encode({
        header: { stamp: { sec: 1, nanosec: 0 }, frame_id: "x" },
        height: 32,
        width: 32,
        seq: 0n,
        time_base: 0n,
        encoding,
        is_bigendian,
        events: new Uint8Array([1, 2, 3, 4]),
      });
    const push = (data: Uint8Array) =>
      p.push({ kind: "serialized", type: "event_camera_msgs/msg/EventPacket", data });
    for (const [i, data] of packets.slice(0, 40).entries()) {
      await p.capacityAvailable();
      push(data);
      if (i === 5) push(new Uint8Array([0, 1, 0, 0, 9])); // not CDR of an EventPacket
      if (i === 6) push(packet("h264"));
      if (i === 7) push(packet("evt3", true));
    }
    await p.close();
    expect(errors.map((e) => e.reason)).toEqual([
      "deserialize_failed",
      "unknown_encoding",
      "big_endian",
    ]);
    expect(errors[1].message).toMatch(/"h264".*use evt3, libcaer_cmp, libcaer or mono/);
    const stats = p.stats();
    expect(stats.events).toMatchObject({ packets: 43, badPackets: 3 });
    expect(stats.events!.problemsByReason).toMatchObject({
      deserialize_failed: 1,
      unknown_encoding: 1,
      big_endian: 1,
    });
    // 40 packets of 1 ms: 10 windows, all classified.
    expect(results.length).toBe(10);
    expect(stats).toMatchObject({ received: 10, processed: 10, dropped: 0, errors: 0 });
  }, 60_000);

  it("refuses the packets of a model that reads frames, naming why", async () => {
    const p = createPipeline({ model: join(root, "models/fashion-mnist-lif"), deserialize });
    const errors: string[] = [];
    p.errors$.subscribe((e) => errors.push(`${e.reason}: ${e.message}`));
    for (const data of packets.slice(0, 3))
      p.push({ kind: "serialized", type: "event_camera_msgs/msg/EventPacket", data });
    await p.close();
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^not_an_event_model: .*reads frames.*"events"/);
    expect(p.stats().events).toMatchObject({ packets: 3, badPackets: 3 });
  }, 60_000);
});
