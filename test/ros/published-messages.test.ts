import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codecFor } from "../../src/messages/index.js";
import {
  classificationMessage,
  labelInfoMessage,
  powerEstimateMessage,
  spikeClassificationMessage,
} from "../../src/messages/results.js";
import { toRawBuffer } from "../../src/ros/spikenode-node.js";
import type { ClassificationResult } from "../../src/stream/types.js";

const HEADER = { stamp: { sec: 1_700_000_123, nanosec: 456_789 }, frame_id: "cam_optical" };

function result(scores: number[]): ClassificationResult {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return {
    seq: 3,
    header: HEADER,
    classId: best,
    className: `class${best}`,
    confidence: scores[best],
    scores,
    topK: [],
    timestepsUsed: 17,
    outputSpikeCounts: scores.map((_, i) => i * 2),
    counters: {
      ticks: 17,
      dt: 0.001,
      layers: [],
      total: { neurons: 0, spikes: 0, synapticOps: 0, neuronUpdates: 0, annMacs: 0 },
    },
    energy: {
      profile: "cmos45-horowitz",
      unit: "J",
      energyPerFrame: 3.5e-9,
      power: 1.05e-7,
      synapticOps: 3_000_000_000,
      neuronUpdates: 1234,
      annMacs: 98_000,
      annEnergyPerFrame: 4.5e-7,
      ratio: 128.6,
      layerRates: [42.5, 7.25],
    } as ClassificationResult["energy"],
    timings: {
      queue: 0,
      decode: 0,
      preprocess: 0,
      encode: 0,
      engine: 0,
      readout: 0,
      power: 0,
      total: 12.5,
    },
  };
}

describe("vision_msgs/Classification", () => {
  it("lists the top k classes by score, best first, class_id as the index in decimal", () => {
    const msg = classificationMessage(result([0.05, 0.5, 0.05, 0.3, 0.1]), 3);
    expect(msg.header).toEqual(HEADER);
    expect(msg.results).toEqual([
      { class_id: "1", score: 0.5 },
      { class_id: "3", score: 0.3 },
      { class_id: "4", score: 0.1 },
    ]);
    expect(classificationMessage(result([0.2, 0.8]), 10).results).toHaveLength(2);
    expect(classificationMessage(result([0.2, 0.8]), 0).results).toHaveLength(1);
  });

  it("is sorted, distinct and the k largest, ties in class order (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 25 }),
        (scores, k) => {
          const got = classificationMessage(result(scores), k).results;
          const ids = got.map((h) => Number(h.class_id));
          expect(got).toHaveLength(Math.min(k, scores.length));
          expect(new Set(ids).size).toBe(ids.length);
          for (let i = 1; i < got.length; i++) {
            expect(got[i - 1].score >= got[i].score).toBe(true);
            if (got[i - 1].score === got[i].score) expect(ids[i - 1]).toBeLessThan(ids[i]);
          }
          const rest = scores.filter((_, i) => !ids.includes(i));
          for (const s of rest) expect(s <= got[got.length - 1].score).toBe(true);
        },
      ),
    );
  });
});

describe("our messages and label info", () => {
  it("round-trip through the CDR codec with the source header and exact values", () => {
    const r = result([0.1, 0.7, 0.2]);
    const spike = codecFor("spikenode/msg/SpikeClassification");
    const s = spike.decode(spike.encode(spikeClassificationMessage(r, true)));
    expect(s).toMatchObject({
      header: HEADER,
      class_id: 1,
      class_name: "class1",
      confidence: 0.7,
      timesteps_used: 17,
      timestep_s: 0.001,
      latency_ms: 12.5,
    });
    expect(Array.from(s.scores)).toEqual([0.1, 0.7, 0.2]);
    expect(Array.from(s.output_spike_counts)).toEqual([0, 2, 4]);
    const bare = spike.decode(spike.encode(spikeClassificationMessage(r, false)));
    expect(bare.scores).toHaveLength(0);
    expect(bare.output_spike_counts).toHaveLength(0);

    const power = codecFor("spikenode/msg/PowerEstimate");
    const p = power.decode(power.encode(powerEstimateMessage(r)));
    expect(p).toMatchObject({
      header: HEADER,
      profile: "cmos45-horowitz",
      energy_unit: "J",
      energy_per_frame: 3.5e-9,
      synaptic_ops: 3_000_000_000n,
      neuron_updates: 1234n,
      ann_macs: 98_000n,
      energy_ratio: 128.6,
    });
    expect(Array.from(p.layer_firing_rates_hz)).toEqual([42.5, 7.25]);

    const labels = codecFor("vision_msgs/msg/LabelInfo");
    const l = labels.decode(
      labels.encode(labelInfoMessage(["T-shirt/top", "Trouser"], { sec: 1, nanosec: 2 })),
    );
    expect(l.class_map).toEqual([
      { class_id: 0, class_name: "T-shirt/top" },
      { class_id: 1, class_name: "Trouser" },
    ]);
  });

  it("hands rclnodejs a Buffer over exactly the bytes, never a view into a larger buffer", () => {
    const own = new Uint8Array([0, 1, 0, 0, 5]);
    const b = toRawBuffer(own);
    expect(Buffer.isBuffer(b)).toBe(true);
    expect(b.buffer).toBe(own.buffer); // no copy needed
    const big = new Uint8Array(64).map((_, i) => i);
    const view = big.subarray(10, 20);
    const c = toRawBuffer(view);
    expect(c.byteOffset).toBe(0);
    expect(c.buffer.byteLength).toBe(10);
    expect(Array.from(c)).toEqual(Array.from(view));
  });
});
