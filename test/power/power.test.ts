import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/temp.js";
import {
  BUILTIN_PROFILES,
  ProfileError,
  ProfileRegistry,
  estimateEnergy,
  loadProfileFile,
  parseProfiles,
  type HardwareProfile,
} from "../../src/power/index.js";
import type { FrameCounters, LayerCounters } from "../../src/snn/counters.js";

function counters(
  ticks: number,
  dt: number,
  layers: Omit<LayerCounters, "layer">[],
): FrameCounters {
  const total = { neurons: 0, spikes: 0, synapticOps: 0, neuronUpdates: 0, annMacs: 0 };
  for (const l of layers) {
    total.neurons += l.neurons;
    total.spikes += l.spikes;
    total.synapticOps += l.synapticOps;
    total.neuronUpdates += l.neuronUpdates;
    total.annMacs += l.annMacs;
  }
  return { ticks, dt, layers: layers.map((l, i) => ({ layer: i + 1, ...l })), total };
}

// 784 inputs → 100 LIF → 10 LIF, 100 ticks of 1 ms.
const FRAME = counters(100, 0.001, [
  { neurons: 100, spikes: 500, synapticOps: 78_400, neuronUpdates: 10_000, annMacs: 78_400 },
  { neurons: 10, spikes: 20, synapticOps: 5_000, neuronUpdates: 1_000, annMacs: 1_000 },
]);

const profile = (name: string) => new ProfileRegistry().get(name);

describe("energy per frame, by hand", () => {
  it("Horowitz 45 nm fp32, spiking input", () => {
    const e = estimateEnergy(FRAME, profile("cmos45-horowitz"), 30);
    // 83 400 × 0.9 pJ + 11 000 × 4.6 pJ = 75 060 + 50 600 pJ
    expect(e.energyPerFrame).toBeCloseTo(125_660e-12, 20);
    expect(e.power).toBeCloseTo(30 * 125_660e-12, 18);
    // 79 400 × 4.6 pJ + 110 × 0.9 pJ
    expect(e.annEnergyPerFrame).toBeCloseTo(365_339e-12, 20);
    expect(e.ratio).toBeCloseTo(365_339 / 125_660, 10);
    expect(e.unit).toBe("J");
    expect(e.synapticOps).toBe(83_400);
    expect(e.inputMacs).toBe(0);
    expect(e.layerRates).toEqual([50, 20]);
  });

  it("Horowitz 45 nm fp32, analog (constant-current) input charges the first layer as MACs", () => {
    const e = estimateEnergy(FRAME, profile("cmos45-horowitz"), 30, { analogInput: true });
    // 5 000 × 0.9 + 78 400 × 4.6 + 11 000 × 4.6 pJ
    expect(e.inputMacs).toBe(78_400);
    expect(e.synapticOps).toBe(5_000);
    expect(e.energyPerFrame).toBeCloseTo(415_740e-12, 20);
    expect(e.ratio).toBeCloseTo(365_339 / 415_740, 10);
  });

  it("Hunsberger & Eliasmith FLOP-relative model", () => {
    const spiking = estimateEnergy(FRAME, profile("hunsberger2016-flops"), 10);
    // 83 400 × 0.08 + 11 000 × 0.25 = 6 672 + 2 750; ANN 79 400 × 2 + 110
    expect(spiking.energyPerFrame).toBeCloseTo(9_422, 9);
    expect(spiking.annEnergyPerFrame).toBe(158_910);
    expect(spiking.power).toBeCloseTo(94_220, 8);
    expect(spiking.unit).toBe("flop");
    const analog = estimateEnergy(FRAME, profile("hunsberger2016-flops"), 10, {
      analogInput: true,
    });
    // 5 000 × 0.08 + 78 400 × 2 + 2 750
    expect(analog.energyPerFrame).toBeCloseTo(159_950, 8);
  });

  it("Loihi (Davies et al. 2018)", () => {
    const e = estimateEnergy(FRAME, profile("loihi-davies2018"), 1);
    // 83 400 × 23.6 pJ + 11 000 × 81 pJ
    expect(e.energyPerFrame).toBeCloseTo(83_400 * 23.6e-12 + 11_000 * 81e-12, 20);
  });

  it("an idle frame costs nothing and says so", () => {
    const idle = counters(0, 0.001, [
      { neurons: 5, spikes: 0, synapticOps: 0, neuronUpdates: 0, annMacs: 50 },
    ]);
    const e = estimateEnergy(idle, profile("cmos45-horowitz"), 30);
    expect(e.energyPerFrame).toBe(0);
    expect(e.ratio).toBe(Infinity);
    expect(e.layerRates).toEqual([0]);
    const nothing = counters(0, 0.001, []);
    expect(estimateEnergy(nothing, profile("cmos45-horowitz"), 30).ratio).toBe(0);
    expect(() => estimateEnergy(FRAME, profile("cmos45-horowitz"), -1)).toThrow(
      "framesPerSecond is -1",
    );
  });
});

/** Counters as Hunsberger's count_neuromorphic.py models a network: mean rates over t_p. */
function hunsbergerNetwork(
  neurons: number[],
  synapses: number[],
  rates: number[],
  tp: number,
): FrameCounters {
  const dt = 0.001;
  const ticks = Math.round(tp / dt);
  const layers: Omit<LayerCounters, "layer">[] = neurons.map((n, i) => ({
    neurons: n,
    spikes: n * rates[i] * tp,
    // Layer 0's input is analog: one op per input synapse, once per frame.
    synapticOps: i === 0 ? synapses[0] : synapses[i] * rates[i - 1] * tp,
    neuronUpdates: n * ticks,
    annMacs: synapses[i],
  }));
  // The non-spiking output layer: fed by the last spiking layer, no neurons counted (as in the script).
  const last = neurons.length;
  layers.push({
    neurons: 0,
    spikes: 0,
    synapticOps: synapses[last] * rates[last - 1] * tp,
    neuronUpdates: 0,
    annMacs: synapses[last],
  });
  return counters(ticks, dt, layers);
}

describe("reproduces Hunsberger & Eliasmith's published efficiencies", () => {
  const mnist = [
    [12544, 12544, 2000],
    [313600, 5017600, 6272000, 20000],
    [4.6, 15.6, 4.2],
  ];
  const cifar = [
    [36864, 9216, 2304, 1152],
    [2764800, 14745600, 1327104, 663552, 11520],
    [173.3, 99.0, 9.7, 7.2],
  ];
  const cases: [string, number[][], number, number][] = [
    ["MNIST", mnist, 0.2, 5.94],
    ["MNIST", mnist, 0.1, 10.24],
    ["MNIST", mnist, 0.06, 14.42],
    ["CIFAR-10", cifar, 0.2, 0.76],
    ["CIFAR-10", cifar, 0.15, 0.98],
    ["CIFAR-10", cifar, 0.06, 2.04],
  ];
  for (const [name, [n, s, r], tp, efficiency] of cases) {
    it(`${name}, t_p = ${tp * 1000} ms: ${efficiency}×`, () => {
      const e = estimateEnergy(hunsbergerNetwork(n, s, r, tp), profile("hunsberger2016-flops"), 1, {
        analogInput: true,
      });
      expect(e.ratio).toBeCloseTo(efficiency, 2);
    });
  }
});

describe("hardware profiles", () => {
  const dir = tempDir("spikenode-profiles-");
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    return path;
  };
  const mine: HardwareProfile = {
    name: "my-chip",
    description: "a test chip",
    unit: "J",
    synapticOp: 1e-12,
    neuronUpdate: 2e-12,
    annMac: 3e-12,
    citation: "datasheet rev 1",
  };

  it("ships cited profiles with every figure", () => {
    expect(BUILTIN_PROFILES.map((p) => p.name)).toEqual([
      "cmos45-horowitz",
      "cmos45-horowitz-int32",
      "hunsberger2016-flops",
      "loihi-davies2018",
      "cmos45-memory-lemaire2022",
    ]);
    for (const p of BUILTIN_PROFILES) expect(p.citation.length).toBeGreaterThan(20);
    const h = profile("cmos45-horowitz");
    expect([h.synapticOp, h.annMac]).toEqual([0.9e-12, 4.6e-12]);
    const f = profile("hunsberger2016-flops");
    expect([f.synapticOp, f.neuronUpdate, f.annMac, f.annNeuron]).toEqual([0.08, 0.25, 2, 1]);
  });

  it("loads a user's file (object or bare array) and lets it replace a built-in by name", () => {
    const path = file("mine.json", {
      profiles: [mine, { ...mine, name: "cmos45-horowitz", synapticOp: 5e-12 }],
    });
    const registry = ProfileRegistry.withFiles([
      path,
      file("bare.json", [{ ...mine, name: "bare" }]),
    ]);
    expect(registry.get("my-chip")).toEqual(mine);
    expect(registry.get("cmos45-horowitz").synapticOp).toBe(5e-12);
    expect(registry.get("bare").name).toBe("bare");
    expect(registry.names()).toContain("loihi-davies2018");
    expect(new ProfileRegistry().get().name).toBe("cmos45-horowitz");
  });

  it("errors name the file and the field", () => {
    const bad = file("bad.json", {
      profiles: [mine, { ...mine, name: "x", synapticOp: "0.9 pJ" }],
    });
    expect(() => loadProfileFile(bad)).toThrow(ProfileError);
    expect(() => loadProfileFile(bad)).toThrow(`${bad}: profiles[1].synapticOp:`);
    const negative = file("neg.json", [{ ...mine, annMac: -1 }]);
    expect(() => loadProfileFile(negative)).toThrow(`${negative}: [0].annMac:`);
    const extra = file("extra.json", { profiles: [{ ...mine, joulesPerSpike: 1 }] });
    expect(() => loadProfileFile(extra)).toThrow(`${extra}: profiles[0]:`);
    const unit = file("unit.json", { profiles: [{ ...mine, unit: "pJ" }] });
    expect(() => loadProfileFile(unit)).toThrow(`${unit}: profiles[0].unit:`);
    const twice = file("twice.json", { profiles: [mine, mine] });
    expect(() => loadProfileFile(twice)).toThrow(
      `${twice}: profiles[1].name: profile "my-chip" is defined twice`,
    );
    const broken = file("broken.json", "{ profiles: ");
    expect(() => loadProfileFile(broken)).toThrow(`${broken}: is not valid JSON`);
    expect(() => loadProfileFile(join(dir, "missing.json"))).toThrow("cannot read the file");
    expect(() => parseProfiles({ profiles: [] }, "inline")).toThrow("inline: profiles:");
  });

  it("an unknown profile lists the known ones", () => {
    expect(() => new ProfileRegistry().get("truenorth")).toThrow(
      'unknown power profile "truenorth"; known: cmos45-horowitz, cmos45-horowitz-int32',
    );
  });
});
