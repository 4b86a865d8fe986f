/** src/messages/results.ts (one result → the published messages) and the replay's text output. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatFrameLine, formatSummary, ratioText, si } from "../../src/bag/replay/format.js";
import type { ReplaySummary } from "../../src/bag/replay/index.js";
import { codecFor } from "../../src/messages/index.js";
import {
  classificationMessage,
  labelInfoMessage,
  powerEstimateMessage,
  spikeClassificationMessage,
  type ResultFields,
} from "../../src/messages/results.js";
import type { ClassificationResult } from "../../src/stream/types.js";

const HEADER = {
  stamp: { sec: 1_700_000_001, nanosec: 33_333_333 },
  frame_id: "camera_optical_frame",
};

function result(scores: number[]): ClassificationResult {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return {
    seq: 0,
    header: HEADER,
    classId: best,
    className: `c${best}`,
    confidence: scores[best],
    scores,
    topK: [],
    timestepsUsed: 200,
    outputSpikeCounts: scores.map((s) => Math.round(s * 50)),
    counters: {
      ticks: 200,
      dt: 0.001,
      layers: [],
      total: { neurons: 0, spikes: 0, synapticOps: 0, neuronUpdates: 0, annMacs: 0 },
    },
    energy: {
      profile: "cmos45-horowitz",
      unit: "J",
      energyPerFrame: 5.08e-5,
      power: 6.82e-4,
      synapticOps: 25_900_000,
      neuronUpdates: 1_600_000,
      annMacs: 6_900_000,
      annEnergyPerFrame: 3.11e-5,
      ratio: 0.612,
      layerRates: [12.5, 30, 4.25],
    },
    powerRate: { fps: 13.4, source: "measured" },
    timings: {
      queue: 1,
      decode: 1,
      preprocess: 1,
      encode: 1,
      engine: 60,
      readout: 0,
      power: 0,
      total: 64,
    },
  };
}

describe("src/messages/results", () => {
  it("the pipeline's ClassificationResult is a ResultFields (structural, no import of src/stream)", () => {
    const r: ResultFields = result([0.1, 0.9]);
    expect(r.header).toBe(HEADER);
  });

  it("Classification: the k best, sorted by score, ties in class order, class_id the index in decimal (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 40 }),
        (scores, k) => {
          const msg = classificationMessage(result(scores), k);
          expect(msg.header).toEqual(HEADER);
          expect(msg.header).not.toBe(HEADER);
          const ids = msg.results.map((h) => Number(h.class_id));
          expect(msg.results).toHaveLength(Math.min(k, scores.length));
          expect(new Set(ids).size).toBe(ids.length);
          msg.results.forEach((h, i) => {
            expect(h.class_id).toBe(String(ids[i]));
            expect(h.score).toBe(scores[ids[i]]);
            if (i > 0) {
              const prev = msg.results[i - 1];
              expect(prev.score).toBeGreaterThanOrEqual(h.score);
              if (prev.score === h.score) expect(ids[i - 1]).toBeLessThan(ids[i]);
            }
          });
          const lowest = msg.results[msg.results.length - 1].score;
          scores.forEach((s, i) => {
            if (!ids.includes(i)) expect(s).toBeLessThanOrEqual(lowest);
          });
        },
      ),
    );
  });

  it("SpikeClassification, PowerEstimate and LabelInfo round-trip through CDR with exact values", () => {
    const r = result([0.2, 0.7, 0.1]);
    const spike = codecFor("spikenode/msg/SpikeClassification");
    expect(spike.decode(spike.encode(spikeClassificationMessage(r, true)))).toEqual({
      header: HEADER,
      class_id: 1,
      class_name: "c1",
      confidence: 0.7,
      scores: Float64Array.from([0.2, 0.7, 0.1]),
      output_spike_counts: Uint32Array.from([10, 35, 5]),
      timesteps_used: 200,
      timestep_s: 0.001,
      latency_ms: 64,
    });
    const bare = spikeClassificationMessage(r, false);
    expect([bare.scores.length, bare.output_spike_counts.length]).toEqual([0, 0]);
    const power = codecFor("spikenode/msg/PowerEstimate");
    expect(power.decode(power.encode(powerEstimateMessage(r)))).toEqual({
      header: HEADER,
      profile: "cmos45-horowitz",
      energy_unit: "J",
      energy_per_frame: 5.08e-5,
      power: 6.82e-4,
      synaptic_ops: 25_900_000n,
      neuron_updates: 1_600_000n,
      ann_macs: 6_900_000n,
      ann_energy_per_frame: 3.11e-5,
      energy_ratio: 0.612,
      layer_firing_rates_hz: Float32Array.from([12.5, 30, 4.25]),
      frame_rate: 13.4,
      frame_rate_source: "measured",
    });
    const info = codecFor("vision_msgs/msg/LabelInfo");
    expect(info.decode(info.encode(labelInfoMessage(["Coat", "Bag"], HEADER.stamp)))).toEqual({
      header: { stamp: HEADER.stamp, frame_id: "" },
      class_map: [
        { class_id: 0, class_name: "Coat" },
        { class_id: 1, class_name: "Bag" },
      ],
      threshold: 0,
    });
  });

  it("counts that are not finite or negative are written as 0, not thrown", () => {
    const r = result([1]);
    const p = powerEstimateMessage({
      ...r,
      energy: { ...r.energy, synapticOps: NaN, annMacs: -3 },
    });
    expect([p.synaptic_ops, p.ann_macs]).toEqual([0n, 0n]);
  });
});

describe("replay text output", () => {
  it("SI prefixes, three significant figures", () => {
    expect(si(5.08e-5, "J")).toBe("50.8 µJ");
    expect(si(6.82e-4, "W")).toBe("682 µW");
    expect(si(0.9996e-6, "J")).toBe("1.00 µJ");
    expect(si(25_900_000, "")).toBe("25.9 M");
    expect(si(0, "W")).toBe("0 W");
    expect(si(3e-18, "J")).toBe("0.00300 fJ");
  });

  it("says which way the energy ratio goes", () => {
    expect(ratioText(12.34)).toBe("spiking costs 12.3× less");
    expect(ratioText(0.5)).toBe("spiking costs 2.0× more");
    expect(ratioText(Infinity)).toBe("the spiking run cost nothing");
  });

  it("a frame line names the class, confidence, truth, energy, power and latency; an error its reason", () => {
    const r = result([0.1, 0.8, 0.1]);
    expect(
      formatFrameLine({ index: 4, total: 90, offsetSec: 0.1333, result: r, trueClass: 2 }, [
        "a",
        "b",
        "c",
      ]),
    ).toBe("frame  5/90  t=0.133 s  c1 80%  (wrong: c)  50.8 µJ/frame  682 µW  64.0 ms");
    expect(
      formatFrameLine(
        {
          index: 0,
          total: 3,
          offsetSec: 0,
          error: { seq: 0, reason: "decode_failed", message: "frame 0: bad PNG" },
        },
        [],
      ),
    ).toBe("frame 1/3  t=0.000 s  error decode_failed: frame 0: bad PNG");
  });

  it("the summary has a line for each figure the issue asks for", () => {
    const s = {
      bag: "b.mcap",
      storage: "mcap",
      topic: "/cam",
      type: "sensor_msgs/msg/Image",
      model: {
        path: "m",
        name: "m",
        labels: ["a", "b"],
        timesteps: 200,
        dt: 0.001,
        encoder: "constant",
        presentation: "reset",
      },
      rate: null,
      earlyExit: null,
      ticksPerFrame: 200,
      frames: 5,
      classified: 3,
      dropped: 0,
      errors: 2,
      errorsByReason: { decode_failed: 2 },
      errorExamples: { decode_failed: "frame 1: bad PNG" },
      latencyMs: { mean: 10, p50: 9, p99: 20, max: 20 },
      processingMs: { mean: 5, p50: 5, p99: 6, max: 6 },
      energy: {
        profile: "p",
        unit: "J",
        perFrame: 1e-6,
        annPerFrame: 2e-6,
        ratio: 2,
        power: 3e-5,
        synapticOps: 1000,
      },
      classHistogram: { a: 3, b: 0 },
      accuracy: {
        labelsFile: "b.mcap.labels.json",
        labelled: 3,
        correct: 2,
        accuracy: 2 / 3,
        perClass: [
          { class: "a", labelled: 2, correct: 2, accuracy: 1 },
          { class: "b", labelled: 1, correct: 0, accuracy: 0 },
        ],
        confusion: [
          [2, 0],
          [1, 0],
        ],
      },
      wallSeconds: 0.5,
      framesPerSecond: 10,
      recordedSeconds: 0.133,
      output: {
        path: "o",
        file: "o/o_0.mcap",
        metadataFile: "o/metadata.yaml",
        messageCount: 15,
        topics: [],
      },
      problems: [
        { code: "truncated", file: "b.mcap", message: "b.mcap is truncated: read 5 messages" },
      ],
      damaged: true,
      lostFrames: 3,
      expectedFrames: 8,
      notes: [],
      interrupted: false,
    } satisfies ReplaySummary;
    expect(formatSummary(s).split("\n")).toEqual([
      "replayed /cam (sensor_msgs/msg/Image) of b.mcap with m (200 ticks of 1 ms, reset), as fast as possible",
      "frames 5: classified 3, errors 2, dropped 0 in 0.50 s (10.0 frames/s; recorded span 0.13 s)",
      "  2 × decode_failed: frame 1: bad PNG",
      "latency mean 10.0 ms, p50 9.0 ms, p99 20.0 ms, max 20.0 ms",
      "processing mean 5.0 ms, p50 5.0 ms, p99 6.0 ms, max 6.0 ms",
      "energy per frame 1.00 µJ (p; 1.00 k synaptic ops), as an ANN 2.00 µJ (spiking costs 2.0× less); power at the processed rate 30.0 µW",
      "classes: a 3",
      "accuracy 66.7% (2/3 against b.mcap.labels.json)",
      "per class: a 100.0% (2/2), b 0.0% (0/1)",
      "confusion matrix (rows: true class, columns: predicted class):",
      "        0   1",
      "  0 a   2   0",
      "  1 b   1   0",
      "error: the bag is damaged: 3 of the 8 frames of /cam it lists could not be read",
      "warning: b.mcap is truncated: read 5 messages",
      "wrote 15 messages to o/o_0.mcap (+ o/metadata.yaml)",
    ]);
  });
});
