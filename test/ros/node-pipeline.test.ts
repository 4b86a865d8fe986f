/**
 * The node driving the real pipeline (src/stream: worker thread, image stages, engine, decoder,
 * energy) on a small real model whose classes are the image quadrants: a frame with one bright
 * quadrant must come out as that class, through real CDR on both sides.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LEVEL } from "../../src/ros/diagnostics.js";
import type { RclModule } from "../../src/ros/rcl-types.js";
import { SpikenodeNode } from "../../src/ros/spikenode-node.js";
import { createPipeline } from "../../src/stream/index.js";
import { BACKENDS, Peer, header, waitFor } from "./helpers.js";
import { LABELS, quadrantImage, writeQuadrantModel } from "./quadrant-model.js";

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip !== undefined)(
    `spikenode node with the real pipeline on ${backend.name}${backend.skip ? ` (${backend.skip})` : ""}`,
    () => {
      let rcl: RclModule;
      let node: SpikenodeNode | undefined;
      const modelDir = writeQuadrantModel();

      afterEach(async () => {
        if (node) await node.stop();
        node = undefined;
        if (rcl && !rcl.isShutdown()) rcl.shutdown();
      });

      it("classifies camera frames, publishing results with their headers, energy and healthy diagnostics", async () => {
        rcl = await backend.create();
        await rcl.init(undefined, [
          "node",
          "spikenode",
          "--ros-args",
          "-p",
          `model:=${modelDir}`,
          "-p",
          "top_k:=2",
        ]);
        node = await SpikenodeNode.start({
          rcl,
          createPipeline,
          initRcl: false,
          diagnosticsPeriodMs: 100,
        });
        const peer = new Peer(rcl);
        const cls = peer.listen("/spikenode/classification", "vision_msgs/msg/Classification") as {
          header: unknown;
          results: { class_id: string; score: number }[];
        }[];
        const spikes = peer.listen(
          "/spikenode/spike_classification",
          "spikenode/msg/SpikeClassification",
        ) as {
          header: unknown;
          class_name: string;
          timesteps_used: number;
          output_spike_counts: Uint32Array;
        }[];
        const power = peer.listen("/spikenode/power", "spikenode/msg/PowerEstimate") as {
          energy_per_frame: number;
          neuron_updates: bigint;
        }[];
        const diags = peer.listen("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray") as {
          status: { level: number; values: { key: string; value: string }[] }[];
        }[];
        await new Promise((r) => setTimeout(r, 50));
        const cam = peer.camera("/image_raw");
        // One at a time: the pipeline keeps only the newest waiting frame, as a live camera wants.
        for (let q = 0; q < 4; q++) {
          cam.publish(quadrantImage(q, q));
          await waitFor(() => cls.length === q + 1, `classification ${q}`, 15_000);
        }
        expect(cls.map((c) => c.header)).toEqual([0, 1, 2, 3].map((n) => header(n)));
        expect(cls.map((c) => c.results[0].class_id)).toEqual(["0", "1", "2", "3"]);
        expect(
          cls.every((c) => c.results.length === 2 && c.results[0].score > c.results[1].score),
        ).toBe(true);
        await waitFor(() => spikes.length === 4 && power.length === 4, "spike and power messages");
        expect(spikes.map((s) => s.class_name)).toEqual(LABELS);
        expect(spikes.every((s) => s.timesteps_used === 25)).toBe(true);
        expect(Array.from(spikes[0].output_spike_counts).slice(1)).toEqual([0, 0, 0]);
        expect(spikes[0].output_spike_counts[0]).toBeGreaterThan(0);
        // One layer fed by current: its cost is neuron updates (4 neurons x 25 ticks), no synaptic events.
        expect(power.every((p) => p.energy_per_frame > 0 && p.neuron_updates === 100n)).toBe(true);
        await waitFor(
          () =>
            diags.some(
              (d) =>
                d.status[0].level === LEVEL.OK &&
                d.status[0].values.some((v) => v.key === "frames_processed" && v.value === "4"),
            ),
          "OK diagnostics with 4 frames",
        );
      });

      it("refuses bad frames with their reasons and goes on classifying", async () => {
        rcl = await backend.create();
        await rcl.init(undefined, [
          "node",
          "spikenode",
          "--ros-args",
          "-p",
          `model:=${modelDir}`,
          "-p",
          "max_image_pixels:=1000",
        ]);
        node = await SpikenodeNode.start({ rcl, createPipeline, initRcl: false });
        const peer = new Peer(rcl);
        const cls = peer.listen("/spikenode/classification", "vision_msgs/msg/Classification") as {
          header: unknown;
        }[];
        await new Promise((r) => setTimeout(r, 50));
        const cam = peer.camera("/image_raw");
        const settle = async (count: number) =>
          waitFor(
            () => node!.stats().processed + node!.stats().errors >= count,
            `${count} frames finished`,
            15_000,
          );
        cam.publish(Buffer.from([0, 1, 0, 0, 1, 2, 3])); // truncated CDR
        await settle(1);
        cam.publish(quadrantImage(1, 0, { encoding: "nv12-or-something" }));
        await settle(2);
        cam.publish(quadrantImage(2, 0, { width: 64, height: 64 })); // 4096 pixels > 1000
        await settle(3);
        cam.publish(quadrantImage(3, 2));
        await waitFor(() => cls.length === 1, "the good frame", 15_000);
        expect(cls[0].header).toEqual(header(3));
        const s = node.stats();
        expect(s).toMatchObject({ received: 4, processed: 1, errors: 3 });
        expect(Object.keys(s.errorsByReason).length).toBeGreaterThanOrEqual(2);
        const summary = await node.stop();
        node = undefined;
        expect(summary.unfinished).toBe(0);
      });
    },
  );
}
