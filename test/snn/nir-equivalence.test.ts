/**
 * Cross-engine equivalence for the NIR neuron kinds and layers (models/FORMAT.md): random graphs
 * using every kind — conv2d with groups, dilation and four-sided padding, conv1d, sumpool2d,
 * padded avgpool2d, scale, neurons layers, per-neuron parameters, branches that sum and cycles —
 * run with time-varying input on the reference engine, the fast engine, and the fast engine
 * without WebAssembly: the same output per tick, spike for spike, and the same counters per
 * layer per tick. Every graph is checked to spike in every spiking layer, so a silent network
 * cannot pass.
 */
import { describe, expect, it } from "vitest";
import { FastNetwork } from "../../src/snn/fast.js";
import { createNetwork, neuronKind, parseModel } from "../../src/snn/index.js";
import type { Model, Network } from "../../src/snn/index.js";
import { buildTopology } from "../../src/snn/topology.js";
import type { LayerDef, ModelDef } from "./helpers.js";
import { buildModel, LIF, packModel, randomTensor, rng } from "./helpers.js";

function graphs(seed: number): [string, ModelDef][] {
  const r = rng(seed);
  const t = (shape: number[], scale = 1, offset = 0) => randomTensor(shape, r, scale, offset);
  return [
    [
      "conv2d groups/dilation/4-sided padding → sumpool → conv (linear) → neurons(if) → padded avgpool → scale → dense",
      {
        inputShape: [2, 9, 9],
        dt: 0.001,
        layers: [
          {
            type: "conv2d",
            weights: t([4, 1, 3, 3], 1, 0.4),
            bias: t([4], 0.1),
            padding: [1, 2, 0, 1],
            dilation: [2, 1],
            stride: [1, 2],
            groups: 2,
            neuron: {
              model: "nir_lif",
              tau: t([4 * 8 * 4], 0.001, 0.003),
              v_threshold: 0.3,
              r: 2,
              v_leak: 0.05,
            },
          },
          { type: "sumpool2d", kernel: [2, 2], stride: [2, 2], padding: [1, 0] },
          {
            type: "conv2d",
            weights: t([6, 4, 2, 2], 0.6, 0.2),
            padding: [1, 1],
            neuron: { model: "linear" },
          },
          { type: "neurons", neuron: { model: "if", v_threshold: t([6 * 6 * 3], 0.3, 0.8) } },
          { type: "avgpool2d", kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
          { type: "flatten" },
          {
            type: "scale",
            factor: t([6 * 3 * 2], 1, 1.5),
            neuron: { model: "threshold", v_threshold: 0.2 },
          },
          { type: "dense", weights: t([5, 36], 0.5, 0.1), neuron: { model: "nir_i", r: 0.5 } },
        ],
      },
    ],
    [
      "conv1d (groups, dilation) → per-channel scale (nir_cuba_lif) → conv1d → neurons(nir_lif)",
      {
        inputShape: [4, 1, 12],
        dt: 0.001,
        layers: [
          {
            type: "conv1d",
            weights: t([6, 2, 3], 1, 0.3),
            bias: t([6], 0.2),
            padding: [2, 1],
            dilation: 2,
            stride: 1,
            groups: 2,
            neuron: { model: "linear" },
          },
          {
            type: "scale",
            factor: t([6], 1, 2),
            neuron: {
              model: "nir_cuba_lif",
              tau_mem: 0.004,
              tau_syn: t([6 * 11], 0.001, 0.003),
              w_in: 3,
              v_threshold: 0.2,
              v_reset: -0.1,
            },
          },
          {
            type: "conv1d",
            weights: t([3, 6, 2], 0.6, 0.3),
            stride: 2,
            neuron: { model: "nir_li", tau: 0.003, r: 4 },
          },
          { type: "neurons", neuron: { model: "nir_lif", tau: 0.002, v_threshold: 0.1 } },
        ],
      },
    ],
    [
      "branches that sum and cycles (neurons ⇄ dense, self loop, later-layer input first)",
      {
        version: 2,
        inputShape: [1, 1, 6],
        dt: 0.001,
        layers: [
          { type: "flatten", name: "f" },
          {
            type: "dense",
            name: "a",
            inputs: ["f"],
            weights: t([8, 6], 1, 0.3),
            neuron: {
              model: "nir_cuba_lif",
              tau_mem: 0.003,
              tau_syn: 0.002,
              w_in: 2,
              v_threshold: 0.15,
            },
          },
          {
            type: "neurons",
            name: "n",
            inputs: ["a", "w"],
            neuron: { model: "nir_lif", tau: t([8], 0.001, 0.003), v_threshold: 0.1, r: 3 },
          },
          {
            type: "dense",
            name: "w",
            inputs: ["n"],
            weights: t([8, 8], 0.8),
            neuron: { model: "linear" },
          },
          {
            type: "neurons",
            name: "m",
            inputs: ["w", "a"],
            neuron: { model: "if", v_threshold: 0.4, v_reset: t([8], 0.1) },
          },
          {
            type: "dense",
            name: "s",
            inputs: ["m", "s"],
            weights: t([8, 8], 0.6, 0.1),
            neuron: { model: "threshold", v_threshold: t([8], 0.2, 0.3) },
          },
          {
            type: "scale",
            name: "k",
            inputs: ["s", "n"],
            factor: t([8], 1, 0.5),
            neuron: { model: "nir_cuba_li", tau_mem: 0.003, tau_syn: 0.002 },
          },
          {
            type: "dense",
            name: "o",
            inputs: ["k", "m"],
            weights: t([4, 8], 1, 0.4),
            neuron: { model: "nir_lif", tau: 0.002, v_threshold: 0.2 },
          },
        ],
      },
    ],
    [
      "native LIF beside NIR kinds on one junction (fused LIF with scatter, neurons after LIF)",
      {
        version: 2,
        inputShape: [1, 4, 4],
        dt: 0.001,
        layers: [
          {
            type: "conv2d",
            name: "c",
            weights: t([4, 1, 3, 3], 2, 1),
            bias: t([4], 0.5, 1),
            padding: [1, 1],
            neuron: LIF,
          },
          { type: "neurons", name: "n", inputs: ["c"], neuron: { model: "if", v_threshold: 0.5 } },
          { type: "flatten", name: "f", inputs: ["n"] },
          {
            type: "dense",
            name: "d",
            inputs: ["f"],
            weights: t([6, 64], 0.5, 0.2),
            neuron: { model: "if", v_threshold: 1, r: t([6], 0.3, 1) },
          },
        ],
      },
    ],
  ];
}

/** Per tick: output, spikes and every layer's counters, feeding a random input each tick. */
function run(net: Network, inputs: Float64Array[], constantFrom: number) {
  net.reset();
  const rows: number[][] = [];
  inputs.forEach((x, t) => {
    net.tick(x, t > constantFrom);
    const c = net.counters();
    rows.push([
      ...net.output,
      ...net.spikes,
      ...c.layers.flatMap((l) => [l.spikes, l.synapticOps]),
      c.inputOps ?? 0,
    ]);
  });
  return rows;
}

function inputsFor(model: Model, seed: number, ticks: number): Float64Array[] {
  const r = rng(seed);
  // Spikes on some ticks, currents on others (an external input carries either).
  return Array.from({ length: ticks }, (_, t) =>
    Float64Array.from({ length: model.encodedSize }, () =>
      t % 3 === 0 ? (r() < 0.3 ? 1 : 0) : Math.fround(r() * 1.2 - 0.1),
    ),
  );
}

describe("NIR kinds and layers: reference and fast engines agree spike for spike", () => {
  for (const seed of [1, 2, 3]) {
    for (const [name, def] of graphs(seed)) {
      it(`seed ${seed}: ${name}`, () => {
        const model = buildModel(def);
        const ticks = 40;
        // The last ticks repeat one input with constant=true (the fast engine's cached input).
        const inputs = inputsFor(model, seed * 7, ticks);
        for (let k = 30; k < ticks; k++) inputs[k] = inputs[30];
        const ref = run(createNetwork(model, { engine: "reference" }), inputs, 30);
        const fast = run(createNetwork(model, { engine: "fast" }), inputs, 30);
        const js = run(new FastNetwork(model, { wasm: false }), inputs, 30);
        expect(fast).toEqual(ref);
        expect(js).toEqual(ref);
        // Every spiking layer spikes, every layer with synapses counts some.
        const net = createNetwork(model, { engine: "reference" });
        net.reset();
        for (const x of inputs) net.tick(x);
        const stages = buildTopology(model);
        net.counters().layers.forEach((l, k) => {
          if (stages[k].spiking) expect(l.spikes, `layer ${l.layer} spikes`).toBeGreaterThan(0);
          if (stages[k].resolved.spec.type !== "neurons")
            expect(l.synapticOps, `layer ${l.layer} synops`).toBeGreaterThan(0);
        });
      });
    }
  }
  it("uses every NIR neuron kind and every new layer type", () => {
    const kinds = new Set<string>();
    const types = new Set<string>();
    for (const [, def] of graphs(1)) {
      for (const l of def.layers as LayerDef[]) {
        types.add(l.type as string);
        const n = l.neuron as { model: string } | undefined;
        if (n) kinds.add(neuronKind(n.model).model);
      }
    }
    for (const k of [
      "if",
      "nir_lif",
      "nir_cuba_lif",
      "nir_li",
      "nir_cuba_li",
      "nir_i",
      "threshold",
    ])
      expect(kinds).toContain(k);
    for (const ty of ["conv2d", "conv1d", "sumpool2d", "avgpool2d", "scale", "neurons", "dense"])
      expect(types).toContain(ty);
  });
});

describe("fan-outs of the new layers (topology, brute force) equal the fast engine's tables", () => {
  it("conv2d with groups and dilation, sumpool, padded avgpool, scale, neurons", () => {
    for (const [, def] of graphs(4)) {
      const model = buildModel(def);
      const fast = new FastNetwork(model, { wasm: false });
      const stages = buildTopology(model);
      fast.tables.forEach((tb, k) => {
        const src = stages[k].source;
        const srcToCf = src < 0 ? null : fast.tables[src].toCf;
        const cfFan = new Float64Array(tb.srcFanout.length);
        tb.srcFanout.forEach((f, i) => (cfFan[srcToCf ? srcToCf[i] : i] = f));
        expect(Array.from(cfFan)).toEqual(Array.from(stages[k].fanout));
      });
    }
  });
});

describe("new layers by hand, and their errors", () => {
  const engines = ["fast", "reference"] as const;
  const pooled = (type: string): ModelDef => ({
    inputShape: [1, 3, 3],
    readout: { type: "mean_output" },
    layers: [
      { type, kernel: [2, 2], stride: [2, 2], padding: [1, 1] },
      { type: "neurons", neuron: { model: "nir_i" } },
    ],
  });
  for (const engine of engines) {
    it(`${engine}: sumpool2d and avgpool2d with zero padding (avg divides by kh·kw)`, () => {
      // Ones, padded to 5x5: windows cover 1, 2, 2 and 4 input cells.
      for (const [type, want] of [
        ["sumpool2d", [1, 2, 2, 4]],
        ["avgpool2d", [0.25, 0.5, 0.5, 1]],
      ] as const) {
        const net = createNetwork(buildModel(pooled(type)), { engine });
        net.reset();
        net.tick(new Float64Array(9).fill(1));
        expect([...net.output]).toEqual(want);
      }
    });
    it(`${engine}: conv2d dilation and groups, conv1d, per-channel scale`, () => {
      // Input channels [1..4] and [10..40] on a 1x4 row; groups 2: output 0 reads channel 0 only,
      // output 1 channel 1 only; kernel [1, 2] dilated by 2 sums x[i] + x[i+2].
      const model = buildModel({
        inputShape: [2, 1, 4],
        readout: { type: "mean_output" },
        layers: [
          {
            type: "conv2d",
            weights: { shape: [2, 1, 1, 2], data: [1, 1, 1, -1] },
            dilation: [1, 2],
            groups: 2,
            neuron: { model: "linear" },
          },
          { type: "scale", factor: { shape: [2], data: [2, 0.5] }, neuron: { model: "nir_i" } },
        ],
      });
      const net = createNetwork(model, { engine });
      net.reset();
      net.tick(Float64Array.of(1, 2, 3, 4, 10, 20, 30, 40));
      expect([...net.output]).toEqual([2 * 4, 2 * 6, 0.5 * -20, 0.5 * -20]);
      const c1 = buildModel({
        inputShape: [1, 1, 5],
        readout: { type: "mean_output" },
        layers: [
          {
            type: "conv1d",
            weights: { shape: [1, 1, 2], data: [1, 2] },
            padding: [1, 0],
            stride: 2,
            neuron: { model: "linear" },
          },
        ],
      });
      expect(c1.layers[0].outShape).toEqual([1, 1, 3]);
      const n1 = createNetwork(c1, { engine });
      n1.reset();
      n1.tick(Float64Array.of(1, 2, 3, 4, 5));
      // Padded [0, 1, 2, 3, 4, 5], windows at 0, 2, 4: 0+2, 2+6, 4+10.
      expect([...n1.output]).toEqual([2, 8, 14]);
    });
  }
  const bad =
    (layers: LayerDef[], inputShape: [number, number, number] = [2, 4, 4]) =>
    () => {
      const { json, bytes } = packModel({ inputShape, layers });
      parseModel({ ...json, labels: ["x"] }, bytes, "test");
    };
  it("name the field and the fix", () => {
    const conv = (over: LayerDef) => ({
      type: "conv2d",
      weights: { shape: [3, 1, 1, 1], data: [1, 1, 1] },
      neuron: { model: "linear" },
      ...over,
    });
    expect(bad([conv({ groups: 2 })])).toThrow(
      /layers\[0\]\.groups: is 2, which does not divide the 2 input and 3 output channels/,
    );
    expect(bad([conv({})])).toThrow(
      /layers\[0\]\.weights\.shape: is \[3, 1, 1, 1\] but the layer needs \[3, 2, 1, 1\]/,
    );
    expect(
      bad([
        {
          type: "conv1d",
          weights: { shape: [1, 2, 1], data: [1, 1] },
          neuron: { model: "linear" },
        },
      ]),
    ).toThrow(/conv1d needs a \[C, L\] or \[C, 1, L\] input but receives \[2, 4, 4\]/);
    expect(
      bad([
        { type: "sumpool2d", kernel: [2, 2], stride: [1, 1], padding: [2, 0] },
        { type: "neurons", neuron: { model: "nir_i" } },
      ]),
    ).toThrow(/layers\[0\]\.padding: \[2, 0\] is more than half the kernel/);
    expect(
      bad([
        { type: "scale", factor: { shape: [3], data: [1, 1, 1] }, neuron: { model: "linear" } },
      ]),
    ).toThrow(/layers\[0\]\.factor\.shape: is \[3\] but the layer needs \[2, 4, 4\]/);
    expect(
      bad([
        conv({ padding: [1, 1, 1], weights: { shape: [3, 2, 1, 1], data: [1, 1, 1, 1, 1, 1] } }),
      ]),
    ).toThrow(/layers\[0\]\.padding/);
  });
});
