/**
 * The node driving the real pipeline (src/stream: worker thread, image stages, engine, decoder,
 * energy) on a small real model whose classes are the image quadrants: a frame with one bright
 * quadrant must come out as that class, through real CDR on both sides.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { codecFor } from "../../src/messages/index.js";
import { LEVEL } from "../../src/ros/diagnostics.js";
import type { RclModule } from "../../src/ros/rcl-types.js";
import { SpikenodeNode } from "../../src/ros/spikenode-node.js";
import type { ModelSpecInput } from "../../src/snn/model-spec.js";
import { createPipeline } from "../../src/stream/index.js";
import { BACKENDS, Peer, header, tempDir, waitFor } from "./helpers.js";

const LABELS = ["top-left", "top-right", "bottom-left", "bottom-right"];

/** 4×4 gray input; output neuron q sums the four pixels of quadrant q (weight 0.5 each). */
function writeQuadrantModel(): string {
  const dir = tempDir("spikenode-quadrants-");
  const w = new Float32Array(4 * 16);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      const q = (y < 2 ? 0 : 2) + (x < 2 ? 0 : 1);
      w[q * 16 + y * 4 + x] = 0.5;
    }
  }
  const spec: ModelSpecInput = {
    format: "spikenode-model",
    version: 1,
    name: "quadrants",
    dt: 0.001,
    weights: { file: "weights.bin", bytes: w.byteLength },
    input: { shape: [1, 4, 4], encoder: { type: "constant" } },
    presentation: { mode: "reset", timesteps: 25 },
    layers: [
      { type: "flatten" },
      {
        type: "dense",
        weights: { offset: 0, shape: [4, 16] },
        neuron: { model: "lif", tau_rc: 0.02, tau_ref: 0.002 },
      },
    ],
    readout: { type: "spike_count" },
    labels: LABELS,
    provenance: { method: "hand-written" },
  };
  writeFileSync(path.join(dir, "model.json"), JSON.stringify(spec));
  writeFileSync(path.join(dir, "weights.bin"), new Uint8Array(w.buffer));
  return dir;
}

function quadrantImage(
  n: number,
  q: number,
  opts: { encoding?: string; width?: number; height?: number } = {},
): Buffer {
  const width = opts.width ?? 4;
  const height = opts.height ?? 4;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inQ = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1) === q;
      data[y * width + x] = inQ ? 255 : 0;
    }
  }
  const bytes = codecFor("sensor_msgs/msg/Image").encode({
    header: header(n),
    height,
    width,
    encoding: opts.encoding ?? "mono8",
    is_bigendian: 0,
    step: width,
    data,
  });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

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
