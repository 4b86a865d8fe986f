import { describe, expect, it } from "vitest";
import { formatSummary } from "../../src/bag/replay/format.js";
import type { ReplaySummary } from "../../src/bag/replay/summary.js";
import { evalEnergy, evalProfiles } from "../../src/train/eval-energy.js";
import { formatEnergy } from "../../src/train/cli-eval.js";
import { join } from "node:path";
import { buildModel, randomTensor, rng } from "../snn/helpers.js";
import { tempDir } from "../support/temp.js";

const pJ = 1e-12;
const r = rng(5);
// 2×2 pixels (constant current) → 3 LIF → 2 linear outputs.
const model = buildModel({
  inputShape: [1, 2, 2],
  timesteps: 10,
  layers: [
    { type: "flatten" },
    {
      type: "dense",
      weights: randomTensor([3, 4], r),
      neuron: { model: "lif", tau_rc: 0.02, tau_ref: 0.002 },
    },
    { type: "dense", weights: randomTensor([2, 3], r), neuron: { model: "linear" } },
  ],
});
// Per image: the 4 pixel MACs into layer 1, then 6 spikes × fan-out 2 into layer 2.
const COUNTS = {
  timesteps: 10,
  inputOpsPerImage: 4,
  layers: [
    { layer: 1, neurons: 3, spikesPerImage: 6, synopsPerImage: 4 },
    { layer: 2, neurons: 2, spikesPerImage: 0, synopsPerImage: 12 },
  ],
};

describe("eval's energy per image, by hand", () => {
  it("counts per layer and cmos45-horowitz with its int8 ANN", () => {
    const e = evalEnergy(model, COUNTS, evalProfiles(["cmos45-horowitz"]));
    expect(e.analogInput).toBe(true);
    expect(
      e.layers.map((l) => [l.neuronUpdatesPerImage, l.annMacsPerImage, l.connections]),
    ).toEqual([
      [30, 12, 12],
      [20, 6, 6],
    ]);
    // 12 spike-driven ops over the 6 synapses that carry spikes (the pixels' 12 carry values).
    expect(e.spikesPerSynapse).toBe(2);
    const [p] = e.profiles;
    // 12 × 0.9 + 4 × 4.6 + 50 × 4.6 pJ
    expect(p.energyPerImage / pJ).toBeCloseTo(259.2, 9);
    // 18 × 4.6 + 5 × 0.9 pJ
    expect(p.annEnergyPerImage / pJ).toBeCloseTo(87.3, 9);
    expect(p.comparison).toBe("spiking costs 3.0× more than the fp32 ANN");
    // 18 × 0.23 + 5 × 0.03 pJ
    expect(p.baselines[0].energyPerImage / pJ).toBeCloseTo(4.29, 9);
    expect(p.baselines[0].comparison).toBe("spiking costs 60.4× more than the int8 ANN");
    expect(formatEnergy(e)).toEqual([
      "energy per image (every tick, no early exit): 2.00 spikes per synapse (spike-driven ops / synapses carrying spikes; Dampfhoffer et al. 2023 put the break-even at 0.15-1.38)",
      "  cmos45-horowitz (arithmetic): 259 pJ; the fp32 ANN 87.3 pJ: spiking costs 3.0× more than the fp32 ANN; the int8 ANN 4.29 pJ: spiking costs 60.4× more than the int8 ANN",
    ]);
  });

  it("memory-aware: all arrays in the 8 KB bank (5 pJ per 32-bit access)", () => {
    const [p] = evalEnergy(model, COUNTS, evalProfiles(["cmos45-memory-lemaire2022"])).profiles;
    // events 12 × (0.9 + 5 + 5 + 5); input 4 × (4.6 + 5 + 5); state 30 × 1 × (5 + 5) + 30 × 4.6
    expect(p.energyPerImage / pJ).toBeCloseTo(12 * 15.9 + 4 * 14.6 + 30 * 10 + 30 * 4.6, 9);
    // 18 MACs × (4.6 + 5 + 5) + 5 × 0.9
    expect(p.annEnergyPerImage / pJ).toBeCloseTo(18 * 14.6 + 4.5, 9);
    // int8: 18 × (0.23 + 1.25 + 1.25) + 5 × 0.03
    expect(p.baselines[0].energyPerImage / pJ).toBeCloseTo(18 * 2.73 + 0.15, 9);
  });

  it("refuses counts of another model", () => {
    expect(() =>
      evalEnergy(model, { ...COUNTS, layers: COUNTS.layers.slice(1) }, evalProfiles()),
    ).toThrow("the evaluation's layers (2:2) are not this model's (1:3, 2:2)");
  });
});

describe("the replay summary's energy lines", () => {
  it("name the ANN, say which way each ratio goes, and give spikes per synapse", () => {
    const s = {
      bag: "b.mcap",
      storage: "mcap",
      topic: "/cam",
      type: "sensor_msgs/msg/Image",
      model: {
        path: "m",
        name: "m",
        labels: ["a"],
        timesteps: 200,
        dt: 0.001,
        encoder: "constant",
        presentation: "reset",
      },
      rate: null,
      frames: 1,
      classified: 1,
      dropped: 0,
      errors: 0,
      errorsByReason: {},
      errorExamples: {},
      latencyMs: null,
      processingMs: null,
      energy: {
        profile: "cmos45-horowitz",
        unit: "J",
        perFrame: 53.7e-6,
        annPerFrame: 31.1e-6,
        ratio: 31.1 / 53.7,
        power: 1e-3,
        synapticOps: 30.8e6,
        annLabel: "fp32 ANN",
        baselines: [{ name: "int8 ANN", perFrame: 1.55e-6, ratio: 1.55 / 53.7 }],
        spikesPerSynapse: 4.6,
      },
      classHistogram: { a: 1 },
      accuracy: null,
      wallSeconds: 1,
      framesPerSecond: 1,
      recordedSeconds: 0,
      output: { path: "o", file: "o/o_0.mcap", messageCount: 4, topics: [] },
      problems: [],
      notes: [],
      interrupted: false,
      damaged: false,
      lostFrames: 0,
      expectedFrames: 1,
      earlyExit: null,
      ticksPerFrame: 200,
    } satisfies ReplaySummary;
    const lines = formatSummary(s).split("\n");
    expect(lines).toContain(
      "energy per frame 53.7 µJ (cmos45-horowitz; 30.8 M synaptic ops), as the fp32 ANN 31.1 µJ (spiking costs 1.7× more than the fp32 ANN); power at the processed rate 1.00 mW",
    );
    expect(lines).toContain(
      "  beside it (cmos45-horowitz): the int8 ANN 1.55 µJ (spiking costs 34.6× more than the int8 ANN); 4.60 spikes per synapse per frame",
    );
  });
});

describe("the engine benchmark's energy", () => {
  it("is the mean estimate under the default profile, with the direction in words", async () => {
    const { benchEngine } = await import("../../src/bench/measure.js");
    const { createNetwork } = await import("../../src/snn/index.js");
    const { ProfileRegistry, energyLayers, estimateEnergy } =
      await import("../../src/power/index.js");
    const input = Float32Array.from([0.9, 0.1, 0.7, 0.4]);
    const b = benchEngine(model, [input], "fast", 2, { warmup: 0 });
    const { counters } = createNetwork(model).run(input);
    const e = estimateEnergy(counters, new ProfileRegistry().get(), 0, {
      analogInput: true,
      layers: energyLayers(model),
    });
    expect(b.energy.profile).toBe("cmos45-horowitz");
    expect(b.energy.energyPerFrame).toBeCloseTo(e.energyPerFrame, 20);
    expect(b.energy.annEnergyPerFrame).toBeCloseTo(e.annEnergyPerFrame, 20);
    expect(b.energy.comparison).toBe(e.comparison);
    expect(b.energy.comparison).toMatch(/^spiking costs \d+\.\d× (less|more) than the fp32 ANN$/);
  });
});

describe("the memory-aware profile through the whole pipeline", () => {
  it("replays frames with the model's layer facts and states both ANNs beside it", async () => {
    const { replayBag } = await import("../../src/bag/replay/index.js");
    const s = await replayBag({
      bag: new URL("../fixtures/bags/fm_mono8_20.mcap", import.meta.url).pathname,
      model: new URL("../../models/fashion-mnist-lif", import.meta.url).pathname,
      out: join(tempDir(), "out"),
      limit: 2,
      powerProfile: "cmos45-memory-lemaire2022",
    });
    expect(s.classified).toBe(2);
    const e = s.energy!;
    expect(e.profile).toBe("cmos45-memory-lemaire2022");
    expect(e.annLabel).toBe("fp32 ANN");
    expect(e.baselines!.map((b) => b.name)).toEqual(["int8 ANN"]);
    // Memory traffic makes every synaptic event cost far more than its 0.9 pJ accumulate.
    expect(e.perFrame / e.synapticOps).toBeGreaterThan(50e-12);
    expect(e.spikesPerSynapse).toBeGreaterThan(0);
    const text = formatSummary(s);
    expect(text).toMatch(
      /as the fp32 ANN .* \(spiking costs \d+\.\d× (less|more) than the fp32 ANN\)/,
    );
    expect(text).toMatch(
      /beside it \(cmos45-memory-lemaire2022\): the int8 ANN .* than the int8 ANN\)/,
    );
  }, 60_000);
});
