import { describe, expect, it } from "vitest";
import {
  ProfileRegistry,
  energyLayers,
  estimateEnergy,
  neuronStateCounts,
  parseProfiles,
  ratioPhrase,
  sramAccessEnergy,
  synapseStateCounts,
  type EnergyLayer,
  type EnergyTerm,
  type MemoryFigures,
} from "../../src/power/index.js";
import type { FrameCounters, LayerCounters } from "../../src/snn/counters.js";
import { createNetwork } from "../../src/snn/index.js";
import { buildModel, randomTensor, rng } from "../snn/helpers.js";

const registry = new ProfileRegistry();
const memoryProfile = registry.get("cmos45-memory-lemaire2022");
const memory = memoryProfile.memory as MemoryFigures;
const pJ = 1e-12;

function counters(ticks: number, layers: LayerCounters[], inputOps?: number): FrameCounters {
  const total = { neurons: 0, spikes: 0, synapticOps: 0, neuronUpdates: 0, annMacs: 0 };
  for (const l of layers) {
    total.neurons += l.neurons;
    total.spikes += l.spikes;
    total.synapticOps += l.synapticOps;
    total.neuronUpdates += l.neuronUpdates;
    total.annMacs += l.annMacs;
  }
  return { ticks, dt: 0.001, layers, total, ...(inputOps === undefined ? {} : { inputOps }) };
}

const byTerm = (terms: EnergyTerm[]) =>
  Object.fromEntries(terms.map((t) => [t.term, [t.count, t.energy / pJ]]));

describe("SRAM access energy (Horowitz 45 nm, by the size of the array read)", () => {
  it("an array lives in the smallest bank that holds it; larger than 1 MB pays the 1 MB figure", () => {
    expect(sramAccessEnergy(8192, 64, memory)).toBeCloseTo(10 * pJ, 20);
    expect(sramAccessEnergy(8193, 64, memory)).toBeCloseTo(20 * pJ, 20);
    expect(sramAccessEnergy(32_768, 64, memory)).toBeCloseTo(20 * pJ, 20);
    expect(sramAccessEnergy(32_769, 64, memory)).toBeCloseTo(100 * pJ, 20);
    expect(sramAccessEnergy(4 * 2 ** 20, 64, memory)).toBeCloseTo(100 * pJ, 20);
    expect(sramAccessEnergy(0, 64, memory)).toBeCloseTo(10 * pJ, 20);
  });

  it("an access narrower than 64 bits pays its share of the word", () => {
    expect(sramAccessEnergy(400, 32, memory)).toBeCloseTo(5 * pJ, 20);
    expect(sramAccessEnergy(400, 8, memory)).toBeCloseTo(1.25 * pJ, 20);
    expect(sramAccessEnergy(40_000, 32, memory)).toBeCloseTo(50 * pJ, 20);
  });
});

describe("state counts per neuron kind and synaptic filter (the one place)", () => {
  it("LIF one leaking state variable, ALIF two, the leaky integrator one, linear none", () => {
    const lif = {
      model: "lif",
      tau_rc: 0.02,
      tau_ref: 0.002,
      amplitude: 1,
      v_th: 1,
      min_voltage: 0,
    } as const;
    expect(neuronStateCounts(lif)).toEqual({ stateVariables: 1, stateUpdates: 1 });
    const tensor = { offset: 0, shape: [1] };
    expect(
      neuronStateCounts({
        model: "alif",
        tau_m: tensor,
        tau_adp: tensor,
        b0: 0.01,
        beta: 1.8,
        amplitude: 1,
      }),
    ).toEqual({ stateVariables: 2, stateUpdates: 2 });
    expect(neuronStateCounts({ model: "leaky_integrator", tau: 0.02 })).toEqual({
      stateVariables: 1,
      stateUpdates: 1,
    });
    expect(neuronStateCounts({ model: "linear" })).toEqual({ stateVariables: 0, stateUpdates: 0 });
    expect(synapseStateCounts({ type: "none" })).toEqual({ stateVariables: 0, stateUpdates: 0 });
    expect(synapseStateCounts({ type: "lowpass", tau: 0.005 })).toEqual({
      stateVariables: 1,
      stateUpdates: 1,
    });
    expect(synapseStateCounts({ type: "alpha", tau: 0.005 })).toEqual({
      stateVariables: 2,
      stateUpdates: 2,
    });
  });
});

describe("layer facts from a model, aligned with the engine's counters", () => {
  const r = rng(3);
  const n = 3;
  const model = buildModel({
    inputShape: [1, 4, 4],
    timesteps: 20,
    layers: [
      {
        type: "conv2d",
        weights: randomTensor([2, 1, 3, 3], r, 2),
        neuron: { model: "lif", tau_rc: 0.02, tau_ref: 0.002 },
        synapse: { type: "alpha", tau: 0.005 },
      },
      { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
      { type: "flatten" },
      {
        type: "recurrent_dense",
        weights: randomTensor([n, 2], r, 2),
        recurrent_weights: randomTensor([n, n], r, 0.5),
        neuron: {
          model: "alif",
          tau_m: { shape: [n], data: [0.02, 0.02, 0.02] },
          tau_adp: { shape: [n], data: [0.2, 0.2, 0.2] },
          b0: 0.01,
          beta: 1.8,
        },
        synapse: { type: "lowpass", tau: 0.005 },
      },
      { type: "dense", weights: randomTensor([2, n], r), neuron: { model: "linear" } },
    ],
    readout: { type: "mean_output" },
  });

  it("by hand: state, weights, inputs, synapses and pooling per weighted layer", () => {
    expect(energyLayers(model)).toEqual([
      {
        layer: 0,
        kind: "lif",
        neurons: 8,
        stateVariables: 3, // v + the alpha filter's two
        stateUpdates: 3,
        weights: 18,
        inputs: 16,
        connections: 72, // 2×2×2 outputs × 1 channel × 3×3
        sourceConnections: 72,
        poolAdds: 0,
        poolInputs: 0,
      },
      {
        layer: 3,
        kind: "alif",
        neurons: 3,
        stateVariables: 3, // u, η + the lowpass filter's one
        stateUpdates: 3,
        weights: 6 + 9,
        inputs: 2,
        connections: 2 * 3 + 3 * 3,
        sourceConnections: 6,
        poolAdds: 2 * 4, // 2 outputs × a 2×2 kernel
        poolInputs: 8, // the conv's 2×2×2 output
      },
      {
        layer: 4,
        kind: "linear",
        neurons: 2,
        stateVariables: 0,
        stateUpdates: 0,
        weights: 6,
        inputs: 3,
        connections: 6,
        sourceConnections: 6,
        poolAdds: 0,
        poolInputs: 0,
      },
    ]);
  });

  it("matches the counters: the same layers, and ANN MACs = synapses + pooling adds", () => {
    const network = createNetwork(model);
    const frame = network.run(Float32Array.from({ length: 16 }, () => r()));
    const facts = energyLayers(model);
    expect(frame.counters.layers.map((l) => l.layer)).toEqual(facts.map((f) => f.layer));
    frame.counters.layers.forEach((l, k) => {
      expect(l.annMacs).toBe(facts[k].connections + facts[k].poolAdds);
      expect(l.neurons).toBe(facts[k].neurons);
    });
    // The memory-aware model accepts them; spikes per synapse leaves the analog input's out.
    const e = estimateEnergy(frame.counters, memoryProfile, 1, {
      analogInput: true,
      layers: facts,
    });
    const spikeOps = frame.counters.total.synapticOps - (frame.counters.inputOps ?? 0);
    expect(e.spikesPerSynapse).toBeCloseTo(spikeOps / (15 + 6), 12);
  });
});

// Two layers whose arrays fall in different banks (hand-written facts; 32-bit SNN and fp32 ANN).
const FACTS: EnergyLayer[] = [
  {
    layer: 0,
    kind: "lif",
    neurons: 100, // state array 400 B → 8 KB bank: 5 pJ per 32-bit access
    stateVariables: 3,
    stateUpdates: 3,
    weights: 1000, // 4 000 B → 8 KB: 5 pJ (int8: 1 000 B → 1.25 pJ)
    inputs: 50, // 200 B → 5 pJ (int8 1.25 pJ)
    connections: 5000,
    sourceConnections: 5000,
    poolAdds: 0,
    poolInputs: 0,
  },
  {
    layer: 2,
    kind: "alif",
    neurons: 10, // 40 B → 5 pJ
    stateVariables: 2,
    stateUpdates: 2,
    weights: 10_000, // 40 000 B → 1 MB bank: 50 pJ (int8: 10 000 B → 32 KB: 2.5 pJ)
    inputs: 100, // 400 B → 5 pJ (int8 1.25 pJ)
    connections: 1000,
    sourceConnections: 1000,
    poolAdds: 200,
    poolInputs: 10_000, // 40 000 B → 50 pJ (int8 2.5 pJ)
  },
];
const LAYERS: LayerCounters[] = [
  { layer: 0, neurons: 100, spikes: 50, synapticOps: 1000, neuronUpdates: 1000, annMacs: 5000 },
  { layer: 2, neurons: 10, spikes: 5, synapticOps: 300, neuronUpdates: 100, annMacs: 1200 },
];

describe("memory-aware model (Lemaire et al. 2022, Horowitz SRAM), by hand", () => {
  it("spiking input: accumulate, weight read, membrane read and write per event; state per update", () => {
    const e = estimateEnergy(counters(10, LAYERS, 0), memoryProfile, 2, { layers: FACTS });
    expect(e.model).toBe("memory-aware");
    const s = byTerm(e.breakdown!.spiking);
    const close = (term: string, count: number, energy: number) => {
      expect(s[term][0]).toBe(count);
      expect(s[term][1]).toBeCloseTo(energy, 6);
    };
    close("synaptic accumulates", 1300, 1300 * 0.9);
    close("weight reads", 1300, 1000 * 5 + 300 * 50);
    close("membrane reads", 1300, 1000 * 5 + 300 * 5);
    close("membrane writes", 1300, 6500);
    close("input MACs", 0, 0);
    close("input reads", 0, 0);
    close("state reads", 1000 * 3 + 100 * 2, 1000 * 3 * 5 + 100 * 2 * 5);
    close("state writes", 3200, 16_000);
    close("state-update MACs", 3200, 3200 * 4.6);
    expect(e.energyPerFrame / pJ).toBeCloseTo(80_890, 6);
    expect(e.power / pJ).toBeCloseTo(2 * 80_890, 6);

    const a = byTerm(e.breakdown!.ann);
    expect(a["MACs"][0]).toBe(6200);
    expect(a["MACs"][1]).toBeCloseTo(6200 * 4.6, 6);
    expect(a["weight reads"][1]).toBeCloseTo(5000 * 5 + 1000 * 50, 6);
    expect(a["input reads"][1]).toBeCloseTo(5000 * 5 + 1000 * 5 + 200 * 50, 6);
    expect(a["activations"][1]).toBeCloseTo(110 * 0.9, 6);
    expect(e.annEnergyPerFrame / pJ).toBeCloseTo(143_619, 6);
    expect(e.ratio).toBeCloseTo(143_619 / 80_890, 10);
    expect(e.comparison).toBe("spiking costs 1.8× less than the fp32 ANN");

    // int8 ANN: MAC 0.23 pJ, activation 0.03 pJ, 8-bit reads from 4× smaller arrays.
    const [int8] = e.baselines!;
    expect(int8.name).toBe("int8 ANN");
    expect(int8.energyPerFrame / pJ).toBeCloseTo(
      6200 * 0.23 +
        (5000 * 1.25 + 1000 * 2.5) +
        (5000 * 1.25 + 1000 * 1.25 + 200 * 2.5) +
        110 * 0.03,
      6,
    );
    expect(int8.energyPerFrame / pJ).toBeCloseTo(18_179.3, 6);
    expect(int8.comparison).toBe("spiking costs 4.4× more than the int8 ANN");
    expect(e.spikesPerSynapse).toBeCloseTo(1300 / 6000, 12);
  });

  it("analog input: its MACs read a weight and an input each, and leave spikes per synapse", () => {
    const e = estimateEnergy(counters(10, LAYERS, 400), memoryProfile, 1, {
      analogInput: true,
      layers: FACTS,
    });
    const s = byTerm(e.breakdown!.spiking);
    expect(s["synaptic accumulates"][0]).toBe(900);
    expect(s["input MACs"]).toEqual([400, expect.closeTo(400 * 4.6, 6)]);
    expect(s["weight reads"][1]).toBeCloseTo(600 * 5 + 400 * 5 + 300 * 50, 6);
    expect(s["input reads"][1]).toBeCloseTo(400 * 5, 6);
    expect(e.energyPerFrame / pJ).toBeCloseTo(80_370, 6);
    // 900 spike-driven events over the 1 000 synapses that carry spikes.
    expect(e.spikesPerSynapse).toBeCloseTo(0.9, 12);
    expect(e.inputMacs).toBe(400);
  });

  it("refuses to guess: no layer facts, facts of another model, a profile without memory figures", () => {
    const frame = counters(10, LAYERS, 0);
    expect(() => estimateEnergy(frame, memoryProfile, 1)).toThrow(
      'profile "cmos45-memory-lemaire2022" uses the memory-aware model, which needs each layer\'s sizes; pass options.layers = energyLayers(model)',
    );
    expect(() => estimateEnergy(frame, memoryProfile, 1, { layers: FACTS.slice(0, 1) })).toThrow(
      "do not match the counters",
    );
    expect(() =>
      parseProfiles([{ ...memoryProfile, name: "x", memory: undefined }], "mine.json"),
    ).toThrow('mine.json: [0].memory: a memory-aware profile needs "memory" figures');
    const unsorted = { ...memory, banks: [...memory.banks].reverse() };
    expect(() => parseProfiles([{ ...memoryProfile, memory: unsorted }], "m.json")).toThrow(
      "m.json: [0].memory.banks: list the banks from the smallest to the largest",
    );
  });
});

describe("arithmetic model: the existing formula, term by term, and the int8 ANN beside it", () => {
  const frame = counters(100, [
    {
      layer: 0,
      neurons: 100,
      spikes: 500,
      synapticOps: 78_400,
      neuronUpdates: 10_000,
      annMacs: 78_400,
    },
    { layer: 1, neurons: 10, spikes: 20, synapticOps: 5_000, neuronUpdates: 1_000, annMacs: 1_000 },
  ]);

  it("cmos45-horowitz: terms sum to the totals; the int8 ANN at 0.23 pJ per MAC", () => {
    const e = estimateEnergy(frame, registry.get("cmos45-horowitz"), 30);
    expect(e.model).toBe("arithmetic");
    expect(byTerm(e.breakdown!.spiking)).toEqual({
      "synaptic accumulates": [83_400, expect.closeTo(75_060, 6)],
      "input MACs": [0, 0],
      "neuron updates": [11_000, expect.closeTo(50_600, 6)],
    });
    expect(byTerm(e.breakdown!.ann)).toEqual({
      MACs: [79_400, expect.closeTo(365_240, 6)],
      activations: [110, expect.closeTo(99, 6)],
    });
    expect(e.comparison).toBe("spiking costs 2.9× less than the fp32 ANN");
    const [int8] = e.baselines!;
    // 79 400 × (0.2 + 0.03) + 110 × 0.03 pJ
    expect(int8.energyPerFrame / pJ).toBeCloseTo(18_265.3, 6);
    expect(int8.ratio).toBeCloseTo(18_265.3 / 125_660, 10);
    expect(int8.comparison).toBe("spiking costs 6.9× more than the int8 ANN");
    // Without layer facts there is no synapse count to divide by.
    expect(e.spikesPerSynapse).toBeUndefined();
  });

  it("profiles without a label or variants compare with 'the ANN' only", () => {
    const e = estimateEnergy(frame, registry.get("hunsberger2016-flops"), 1);
    expect(e.annLabel).toBe("ANN");
    expect(e.comparison).toMatch(/^spiking costs \d+\.\d× less than the ANN$/);
    expect(e.baselines).toEqual([]);
  });
});

describe("the direction phrase", () => {
  it("says which way, by how much, and against what", () => {
    expect(ratioPhrase(3.14, "the fp32 ANN")).toBe("spiking costs 3.1× less than the fp32 ANN");
    expect(ratioPhrase(0.5, "the int8 ANN")).toBe("spiking costs 2.0× more than the int8 ANN");
    expect(ratioPhrase(0.5)).toBe("spiking costs 2.0× more");
    expect(ratioPhrase(Infinity, "the fp32 ANN")).toBe("the spiking run cost nothing");
    expect(ratioPhrase(0, "the fp32 ANN")).toBe("the fp32 ANN cost nothing");
    expect(ratioPhrase(NaN)).toBe("no energy either way");
  });
});
