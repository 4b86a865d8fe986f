/**
 * The node on an event camera (input:=events): EventPacket CDR in on event_topic, the real
 * pipeline's windows of sensor time out on the usual topics, stamped with each window's end;
 * /diagnostics counts packets, events and what was dropped; a bad packet never stops it.
 */
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { openBag } from "../../src/bag/index.js";
import { SAMPLE_START_TIME } from "../../src/bag/camera-sample.js";
import { writeEventSample } from "../../src/cli/event-sample.js";
import { codecFor } from "../../src/messages/index.js";
import { PARAM_SPECS, parseRoi } from "../../src/ros/parameters.js";
import { pipelineOptions } from "../../src/ros/pipeline-options.js";
import type { RclModule } from "../../src/ros/rcl-types.js";
import { SpikenodeNode } from "../../src/ros/spikenode-node.js";
import { inputSubscription } from "../../src/ros/topics.js";
import { createPipeline } from "../../src/stream/index.js";
import {
  loadMovingFashion,
  movingFrameStream,
  MOVING_EVENT_DEFAULTS,
} from "../../src/train/datasets/moving-events.js";
import { BACKENDS, Peer, sleep, tempDir, waitFor } from "./helpers.js";

const ROOT = path.join(import.meta.dirname, "../..");
const MODEL = path.join(ROOT, "models/moving-fashion-srnn");
const FASHION = path.join(ROOT, "test/fixtures/train/fashion-mnist");

const packets: Buffer[] = [];
beforeAll(async () => {
  const set = loadMovingFashion("test", { count: 2 }, FASHION);
  const sample = await writeEventSample(movingFrameStream(set, 2), {
    out: path.join(tempDir("spikenode-node-events-"), "events"),
    encoder: MOVING_EVENT_DEFAULTS.encoder,
    periodUs: 4000,
  });
  const bag = await openBag(sample.bag.file);
  for await (const m of bag.messages()) packets.push(Buffer.from(m.data));
  await bag.close();
});

describe("event parameters", () => {
  it("choose the event subscription and the pipeline's event options", () => {
    const defaults = Object.fromEntries(PARAM_SPECS.map((s) => [s.name, s.default])) as never;
    const params = { ...(defaults as object), input: "events", event_topic: "/dvs/events" };
    expect(inputSubscription(params as never)).toEqual({
      topic: "/dvs/events",
      type: "event_camera_msgs/msg/EventPacket",
    });
    expect(inputSubscription({ ...(params as object), input: "image" } as never).type).toBe(
      "sensor_msgs/msg/Image",
    );
    const o = pipelineOptions(
      {
        ...(params as object),
        event_window_ms: 8,
        events_roi: "1,2,32,32",
        events_downsample: 1,
      } as never,
      { dir: MODEL } as never,
      () => ({}) as never,
    );
    expect(o.events).toEqual({
      windowMs: 8,
      roi: { x: 1, y: 2, width: 32, height: 32 },
      downsample: 1,
    });
    expect(
      pipelineOptions(defaults, { dir: MODEL } as never, () => ({}) as never).events,
    ).toBeUndefined();
    expect(parseRoi("")).toBeUndefined();
    expect(parseRoi("1,2,3")).toMatch(/x,y,width,height/);
    expect(parseRoi("0,0,0,4")).toMatch(/at least 1/);
  });
});

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip !== undefined)(
    `spikenode node on an event camera, ${backend.name}${backend.skip ? ` (${backend.skip})` : ""}`,
    () => {
      let rcl: RclModule;
      let node: SpikenodeNode | undefined;
      afterEach(async () => {
        if (node) await node.stop();
        node = undefined;
        if (rcl && !rcl.isShutdown()) rcl.shutdown();
      });

      it("classifies EventPacket windows, stamps them with the window's end, and reports event diagnostics", async () => {
        rcl = await backend.create();
        await rcl.init(undefined, [
          "node",
          "spikenode",
          "--ros-args",
          "-p",
          `model:=${MODEL}`,
          "-p",
          "input:=events",
          "-p",
          "event_topic:=/dvs/events",
        ]);
        node = await SpikenodeNode.start({
          rcl,
          createPipeline,
          initRcl: false,
          diagnosticsPeriodMs: 100,
        });
        const peer = new Peer(rcl);
        const cls = peer.listen("/spikenode/classification", "vision_msgs/msg/Classification") as {
          header: { stamp: { sec: number; nanosec: number } };
        }[];
        const spikes = peer.listen(
          "/spikenode/spike_classification",
          "spikenode/msg/SpikeClassification",
        ) as { timesteps_used: number }[];
        const diags = peer.listen("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray") as {
          status: { level: number; values: { key: string; value: string }[] }[];
        }[];
        await sleep(50);
        const dvs = peer.camera("/dvs/events", "event_camera_msgs/msg/EventPacket");
        const codec = codecFor("event_camera_msgs/msg/EventPacket");
        for (const [i, p] of packets.entries()) {
          dvs.publish(p);
          if (i === 10) dvs.publish(Buffer.from([0, 1, 0, 0, 7, 7, 7])); // not an EventPacket
          if (i === 11)
            dvs.publish(
              Buffer.from(
                codec.encode({
                  header: { stamp: { sec: 0, nanosec: 0 }, frame_id: "" },
                  height: 32,
                  width: 32,
                  seq: 0n,
                  time_base: 0n,
                  encoding: "h264",
                  is_bigendian: false,
                  events: new Uint8Array(4),
                }),
              ),
            );
          // One window (4 packets) at a time, so the live queue keeps up.
          if (i % 4 === 3)
            await waitFor(() => cls.length >= (i + 1) / 4 - 1, `window ${(i - 3) / 4}`, 15_000);
        }
        // 72 packets: 17 windows closed by a later packet (the 18th is still open).
        await waitFor(() => cls.length === 17, "17 windows", 15_000);
        const ns = cls.map(
          (c) => BigInt(c.header.stamp.sec) * 1_000_000_000n + BigInt(c.header.stamp.nanosec),
        );
        expect(ns).toEqual(cls.map((_, k) => SAMPLE_START_TIME + BigInt(k + 1) * 4_000_000n));
        await waitFor(() => spikes.length === 17, "spike messages");
        expect(spikes.every((s) => s.timesteps_used === 4)).toBe(true);
        const value = (d: (typeof diags)[number], key: string) =>
          d.status[0].values.find((v) => v.key === key)?.value;
        await waitFor(
          () => diags.some((d) => value(d, "event_packets") === "74"),
          "diagnostics with every packet",
        );
        const d = diags.findLast((x) => value(x, "event_packets") === "74")!;
        expect(value(d, "event_bad_packets")).toBe("2");
        expect(value(d, "event_problems.deserialize_failed")).toBe("1");
        expect(value(d, "event_problems.unknown_encoding")).toBe("1");
        expect(Number(value(d, "events"))).toBeGreaterThan(100);
        expect(value(d, "events_dropped")).toBe("0");
        expect(value(d, "input")).toBe("events");
        expect(value(d, "event_window_ms")).toBe("4");
        expect(value(d, "image_topic")).toBe("/dvs/events");
        expect(Number(value(d, "event_rate_per_s"))).toBeGreaterThan(0);
        expect(Number(value(d, "event_packets_per_s"))).toBeGreaterThan(0);
        // Shutdown classifies the open window too.
        const summary = await node.stop();
        node = undefined;
        expect(summary).toMatchObject({ received: 18, processed: 18, dropped: 0, errors: 0 });
      }, 60_000);
    },
  );
}
