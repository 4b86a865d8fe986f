/** `spikenode eval --json` carries what anyone needs to recompute the energy (issue 13). */
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "../support/cli.js";

interface Layer {
  layer: number;
  neurons: number;
  rateHz: number;
  synopsPerImage: number;
}
interface EvalJson {
  spiking: {
    accuracy: number;
    timesteps: number;
    layers: Layer[];
    synopsPerImage: number;
    neuronUpdatesPerImage: number;
    inputOpsPerImage: number;
    annMacsPerImage: number;
  };
  energy: {
    analogInput: boolean;
    spikesPerSynapse: number;
    layers: { neuronUpdatesPerImage: number; annMacsPerImage: number; neurons: number }[];
    profiles: {
      profile: string;
      energyPerImage: number;
      annEnergyPerImage: number;
      ratio: number;
      comparison: string;
    }[];
  };
}

describe("eval --json", () => {
  it("gives accuracy, timesteps, rates and every count, and energies that recompute from them", () => {
    const r = runCli(
      [
        "eval",
        "--model",
        `${ROOT}models/fashion-mnist-lif`,
        "--dataset",
        "fashion-mnist",
        "--data-dir",
        `${ROOT}test/fixtures/train/fashion-mnist`,
        "--limit",
        "4",
        "--timesteps",
        "20",
        "--threads",
        "1",
        "--power-profile",
        "cmos45-horowitz,hunsberger2016-flops",
        "--json",
      ],
      { timeout: 300_000 },
    );
    expect(r.status, String(r.stderr)).toBe(0);
    const report = JSON.parse(String(r.stdout)) as EvalJson;
    const s = report.spiking;
    expect(s.timesteps).toBe(20);
    expect(s.accuracy).toBeGreaterThanOrEqual(0);
    for (const l of s.layers) expect(l.rateHz).toBeGreaterThanOrEqual(0);
    const e = report.energy;
    expect(e.analogInput).toBe(true);
    expect(e.layers.map((l) => l.neurons)).toEqual(s.layers.map((l) => l.neurons));
    // The per-layer counts add up to the totals eval already reported.
    const sum = (f: (l: EvalJson["energy"]["layers"][number]) => number) =>
      e.layers.reduce((a, l) => a + f(l), 0);
    expect(sum((l) => l.neuronUpdatesPerImage)).toBe(s.neuronUpdatesPerImage);
    expect(sum((l) => l.annMacsPerImage)).toBe(s.annMacsPerImage);
    expect(e.profiles.map((p) => p.profile)).toEqual(["cmos45-horowitz", "hunsberger2016-flops"]);
    const [horowitz, flops] = e.profiles;
    // Recomputed from the JSON alone, by the arithmetic formula (src/power/README.md).
    const spikeOps = s.synopsPerImage - s.inputOpsPerImage;
    expect(horowitz.energyPerImage).toBeCloseTo(
      spikeOps * 0.9e-12 + s.inputOpsPerImage * 4.6e-12 + s.neuronUpdatesPerImage * 4.6e-12,
      18,
    );
    const neurons = sum((l) => l.neurons);
    expect(horowitz.annEnergyPerImage).toBeCloseTo(
      s.annMacsPerImage * 4.6e-12 + neurons * 0.9e-12,
      18,
    );
    expect(flops.energyPerImage).toBeCloseTo(
      spikeOps * 0.08 + s.inputOpsPerImage * 2 + s.neuronUpdatesPerImage * 0.25,
      4,
    );
    expect(horowitz.comparison).toMatch(/^spiking costs \d+\.\d× (less|more) than the fp32 ANN$/);
    expect(e.spikesPerSynapse).toBeGreaterThan(0);
  }, 300_000);
});
