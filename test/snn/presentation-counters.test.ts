import { describe, expect, it } from "vitest";
import { createNetwork } from "../../src/snn/index.js";
import { FastNetwork } from "../../src/snn/fast.js";
import { buildTopology } from "../../src/snn/topology.js";
import type { ModelDef } from "./helpers.js";
import { buildModel, LIF, randomTensor, rng } from "./helpers.js";

function convNet(mode: "reset" | "continuous", window?: object): ModelDef {
  const r = rng(5);
  return {
    inputShape: [1, 6, 6],
    mode,
    timesteps: 30,
    readout: { type: "spike_count", ...(window ? { window } : {}) },
    layers: [
      {
        type: "conv2d",
        weights: randomTensor([2, 1, 3, 3], r, 1, 0.6),
        bias: randomTensor([2], r, 0.3, 1),
        padding: [1, 1],
        neuron: LIF,
      },
      { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
      { type: "flatten" },
      {
        type: "dense",
        weights: randomTensor([3, 18], r, 0.05, 0.01),
        bias: randomTensor([3], r, 0.3, 1),
        neuron: LIF,
      },
    ],
  };
}

describe.each(["fast", "reference"] as const)("presentation modes (%s)", (engine) => {
  const frame = Array.from({ length: 36 }, (_, i) => (i % 7) / 7);
  it("reset: the same frame gives the same result every time", () => {
    const net = createNetwork(buildModel(convNet("reset")), { engine });
    const a = Array.from(net.run(frame).scores);
    const b = Array.from(net.run(frame).scores);
    expect(a).toEqual(b);
    expect(a.reduce((x, y) => x + y)).toBeGreaterThan(0);
  });
  it("continuous: state carries over, equal to one long simulation cut into frames", () => {
    const model = buildModel(convNet("continuous"));
    const net = createNetwork(model, { engine });
    const first = Array.from(net.run(frame).scores);
    const second = Array.from(net.run(frame).scores);
    expect(second).not.toEqual(first); // starts from the state the first frame left
    const long = createNetwork(model, { engine });
    const cur = Float64Array.from(frame);
    const spikes = [0, 0, 0];
    for (let t = 0; t < 60; t++) {
      long.tick(cur, true);
      if (t >= 30) long.spikes.forEach((s, i) => (spikes[i] += s));
    }
    expect(second).toEqual(spikes);
    expect(net.counters().ticks).toBe(30);
  });
  it("readout window counts only ticks in [start, end)", () => {
    const model = buildModel(convNet("reset", { start: 10, end: 20 }));
    const net = createNetwork(model, { engine });
    const cur = Float64Array.from(frame);
    net.reset();
    const spikes = [0, 0, 0];
    for (let t = 0; t < 30; t++) {
      net.tick(cur, true);
      if (t >= 10 && t < 20) net.spikes.forEach((s, i) => (spikes[i] += s));
    }
    expect(Array.from(net.scores())).toEqual(spikes);
  });
});

describe("counters", () => {
  it("fan-outs respect padding and borders (hand-computed)", () => {
    // 3x3 input, 3x3 kernel, padding 1, 4 output channels: corner 4 taps, edge 6, centre 9.
    const model = buildModel({
      inputShape: [1, 3, 3],
      layers: [
        {
          type: "conv2d",
          weights: randomTensor([4, 1, 3, 3], rng(1)),
          padding: [1, 1],
          neuron: LIF,
        },
      ],
    });
    const [stage] = buildTopology(model);
    expect(Array.from(stage.fanout)).toEqual([16, 24, 16, 24, 36, 24, 16, 24, 16]);
  });
  it("pooling is folded in: a spike reaches the pooled cells it falls in, dropped cells reach nothing", () => {
    // 5x5 map, pool 2/2 -> 2x2 (row and column 4 dropped), then dense 7.
    const model = buildModel({
      inputShape: [1, 5, 5],
      layers: [
        { type: "conv2d", weights: randomTensor([1, 1, 1, 1], rng(1)), neuron: LIF },
        { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
        { type: "flatten" },
        { type: "dense", weights: randomTensor([7, 4], rng(2)), neuron: LIF },
      ],
    });
    const stages = buildTopology(model);
    const want = Array.from({ length: 25 }, (_, i) => (i % 5 < 4 && Math.floor(i / 5) < 4 ? 7 : 0));
    expect(Array.from(stages[1].fanout)).toEqual(want);
    expect(stages[1].annMacs).toBe(4 * 7 + 4 * 4);
  });
  it("the fast engine's scatter tables reach exactly the brute-force fan-outs", () => {
    const model = buildModel(convNet("reset"));
    const fast = createNetwork(model, { engine: "fast" }) as FastNetwork;
    const stages = buildTopology(model);
    fast.tables.forEach((t, k) => {
      const cfFan = new Float64Array(t.srcFanout.length);
      const srcToCf = k === 0 ? null : fast.tables[k - 1].toCf;
      t.srcFanout.forEach((f, i) => (cfFan[srcToCf ? srcToCf[i] : i] = f));
      expect(Array.from(cfFan)).toEqual(Array.from(stages[k].fanout));
    });
  });
  it("synapticOps = spikes x fan-out, neuronUpdates = neurons x ticks, resettable per frame", () => {
    const n = 4;
    const model = buildModel({
      inputShape: [1, 1, 2],
      layers: [
        { type: "flatten" },
        { type: "dense", weights: { shape: [n, 2], data: [1, 0, 1, 0, 1, 0, 1, 0] }, neuron: LIF },
        { type: "dense", weights: randomTensor([3, n], rng(3)), neuron: LIF },
      ],
    });
    for (const engine of ["fast", "reference"] as const) {
      const net = createNetwork(model, { engine });
      net.reset();
      let hidden = 0;
      // Hidden spikes are not exposed; count them through the counters tick by tick.
      for (let t = 0; t < 50; t++) {
        net.tick(Float64Array.of(3, 0), true);
        hidden = net.counters().layers[0].spikes;
      }
      const c = net.counters();
      expect(hidden).toBeGreaterThan(0);
      expect(c.layers[1].synapticOps).toBe(hidden * 3);
      // Input: one non-zero element of fan-out 4, computed once for the constant frame.
      expect(c.layers[0].synapticOps).toBe(4);
      expect(c.layers[0].neuronUpdates).toBe(4 * 50);
      expect(c.total.annMacs).toBe(2 * 4 + 4 * 3);
      const same = net.counters();
      expect(same).toBe(c);
      net.beginFrame();
      expect(net.counters().total.spikes).toBe(0);
      expect(net.counters().ticks).toBe(0);
    }
  });
});
