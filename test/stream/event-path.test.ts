/**
 * The event path end to end with the shipped streaming model: moving Fashion-MNIST frames →
 * delta-encoder events → an evt3 EventPacket bag (sample-bag --events) → the pipeline's event
 * windows → the same network. It must classify the bag exactly as the frame path classifies the
 * frames: same events, same spikes, same scores.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
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
