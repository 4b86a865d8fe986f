import { describe, expect, it } from "vitest";
import { encoderForModel } from "../../src/encode/index.js";
import { createNetwork } from "../../src/snn/index.js";
import type { Network } from "../../src/snn/index.js";
import type { ModelDef } from "./helpers.js";
import { buildModel, LIF, LINEAR, randomTensor, rng } from "./helpers.js";

/** Random networks covering every layer type, neuron model and synapse. */
function nets(seed: number): [string, ModelDef][] {
  const r = rng(seed);
  const alif = (n: number) => ({
    model: "alif",
    tau_m: randomTensor([n], r, 0.005, 0.02),
    tau_adp: randomTensor([n], r, 0.05, 0.2),
    b0: 0.1,
    beta: 1.8,
  });
  const LIF_PHASED = {
    ...LIF,
    initial_voltage: { distribution: "uniform", low: 0, high: 1, seed: seed },
  };
  return [
    [
      "conv + pooling + dense (padding, stride)",
      {
        inputShape: [2, 9, 9],
        layers: [
          {
            type: "conv2d",
            weights: randomTensor([4, 2, 3, 3], r, 1.5),
            bias: randomTensor([4], r, 0.5, 1),
            padding: [1, 1],
            neuron: LIF,
          },
          { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
          {
            type: "conv2d",
            weights: randomTensor([8, 4, 3, 3], r, 0.05),
            bias: randomTensor([8], r, 0.3, 0.8),
            stride: [2, 1],
            padding: [1, 0],
            neuron: LIF,
          },
          { type: "avgpool2d", kernel: [2, 2], stride: [1, 1] },
          { type: "flatten" },
          {
            type: "dense",
            weights: randomTensor([12, 8 * 1 * 1], r, 0.05),
            bias: randomTensor([12], r, 0.5, 1),
            neuron: LIF,
          },
          { type: "dense", weights: randomTensor([5, 12], r, 0.05), neuron: LIF },
        ],
      },
    ],
    [
      "overlapping pooling and lowpass/alpha synapses",
      {
        inputShape: [1, 8, 8],
        layers: [
          {
            type: "conv2d",
            weights: randomTensor([3, 1, 3, 3], r, 2),
            bias: randomTensor([3], r, 0.5, 1),
            neuron: LIF,
            synapse: { type: "lowpass", tau: 0.005 },
          },
          { type: "avgpool2d", kernel: [3, 3], stride: [2, 2] },
          { type: "flatten" },
          {
            type: "dense",
            weights: randomTensor([10, 12], r, 0.1, 0.02),
            bias: randomTensor([10], r, 0.5, 0.8),
            neuron: LIF,
            synapse: { type: "alpha", tau: 0.004 },
          },
          {
            type: "dense",
            weights: randomTensor([4, 10], r, 0.05),
            neuron: LINEAR,
            synapse: { type: "alpha", tau: 0.005 },
          },
        ],
        readout: { type: "mean_output" },
      },
    ],
    [
      "recurrent ALIF with leaky-integrator readout",
      {
        inputShape: [1, 1, 6],
        layers: [
          { type: "flatten" },
          {
            type: "recurrent_dense",
            weights: randomTensor([16, 6], r, 1, 0.5),
            recurrent_weights: randomTensor([16, 16], r, 0.3),
            bias: randomTensor([16], r, 0.2, 0.3),
            neuron: alif(16),
          },
          {
            type: "recurrent_dense",
            weights: randomTensor([12, 16], r, 0.8, 0.3),
            recurrent_weights: randomTensor([12, 12], r, 0.3),
            neuron: { ...LIF, amplitude: 0.01 },
          },
          {
            type: "dense",
            weights: randomTensor([3, 12], r, 1),
            neuron: { model: "leaky_integrator", tau: 0.01 },
          },
        ],
        readout: { type: "membrane", window: { start: 10 } },
      },
    ],
    [
      "ALIF conv layer, non-spiking hidden layer",
      {
        inputShape: [1, 6, 6],
        layers: [
          {
            type: "conv2d",
            weights: randomTensor([2, 1, 2, 2], r, 1, 0.5),
            stride: [2, 2],
            neuron: alif(18),
          },
          { type: "flatten" },
          { type: "dense", weights: randomTensor([8, 18], r, 1), neuron: LINEAR },
          {
            type: "dense",
            weights: randomTensor([4, 8], r, 0.5),
            bias: randomTensor([4], r, 0.5, 1.2),
            neuron: LIF,
          },
        ],
      },
    ],
    [
      "LIF with a uniform initial membrane (conv on the parking path, dense with lowpass)",
      {
        inputShape: [2, 7, 7],
        timesteps: 12,
        layers: [
          {
            type: "conv2d",
            weights: randomTensor([4, 2, 3, 3], r, 1.5),
            bias: randomTensor([4], r, 0.5, 0.9),
            padding: [1, 1],
            neuron: LIF_PHASED,
          },
          { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
          { type: "flatten" },
          {
            type: "dense",
            weights: randomTensor([10, 36], r, 0.2),
            bias: randomTensor([10], r, 0.5, 0.8),
            neuron: {
              ...LIF_PHASED,
              initial_voltage: { distribution: "uniform", low: 0.2, high: 0.9 },
            },
            synapse: { type: "lowpass", tau: 0.002 },
          },
          { type: "dense", weights: randomTensor([3, 10], r, 0.5), neuron: LIF },
        ],
      },
    ],
  ];
}

function trace(net: Network, frames: Float64Array[], ticks: number) {
  const spikes: number[][] = [];
  const outputs: number[][] = [];
  net.reset();
  for (const frame of frames) {
    net.beginFrame();
    for (let t = 0; t < ticks; t++) {
      net.tick(frame, true);
      spikes.push(Array.from(net.spikes));
      outputs.push(Array.from(net.output));
    }
  }
  return {
    spikes,
    outputs,
    scores: Array.from(net.scores()),
    counters: structuredClone(net.counters()),
  };
}

describe("event-driven engine against the dense reference", () => {
  for (const seed of [1, 2, 3]) {
    for (const [name, def] of nets(seed)) {
      it(`${name} (seed ${seed}): same spikes, outputs, scores and counters`, () => {
        const model = buildModel(def);
        const r = rng(seed + 100);
        const frames = [0, 1, 2].map(() =>
          Float64Array.from({ length: model.inputSize }, () => r() * 2),
        );
        const fast = trace(createNetwork(model, { engine: "fast" }), frames, 40);
        const ref = trace(createNetwork(model, { engine: "reference" }), frames, 40);
        expect(fast.spikes).toEqual(ref.spikes);
        expect(fast.counters).toEqual(ref.counters);
        const totalSpikes = fast.counters.layers.reduce((a, l) => a + l.spikes, 0);
        expect(totalSpikes, "the test net must actually spike").toBeGreaterThan(50);
        fast.outputs.flat().forEach((v, i) => expect(v).toBeCloseTo(ref.outputs.flat()[i], 8));
        fast.scores.forEach((v, i) => expect(v).toBeCloseTo(ref.scores[i], 8));
      });
    }
  }
});

describe("sequence models (rows encoder) on both engines", () => {
  /** Two ALIF recurrent layers and a leaky-integrator readout, as issue 7's exported models. */
  function rowsNet(seed: number, ticksPerRow: number): ModelDef {
    const r = rng(seed);
    const alif = (n: number) => ({
      model: "alif",
      tau_m: randomTensor([n], r, 0.005, 0.02),
      tau_adp: randomTensor([n], r, 0.025, 0.2),
      b0: 0.01,
      beta: 1.8,
    });
    return {
      inputShape: [1, 8, 6],
      encoder: { type: "rows", gain: 1, bias: 0, ticks_per_row: ticksPerRow },
      timesteps: 8 * ticksPerRow,
      layers: [
        {
          type: "recurrent_dense",
          weights: randomTensor([20, 6], r, 0.6, 0.05),
          recurrent_weights: randomTensor([20, 20], r, 0.3),
          bias: randomTensor([20], r, 0.02),
          neuron: alif(20),
        },
        {
          type: "recurrent_dense",
          weights: randomTensor([14, 20], r, 0.4, 0.02),
          recurrent_weights: randomTensor([14, 14], r, 0.3),
          neuron: alif(14),
        },
        {
          type: "dense",
          weights: randomTensor([5, 14], r, 1),
          bias: randomTensor([5], r, 0.1),
          neuron: { model: "leaky_integrator", tau: 0.02 },
        },
      ],
      readout: { type: "membrane", window: { start: 3 } },
    };
  }

  function seqTrace(net: Network, images: Float64Array[]) {
    const encoder = encoderForModel(net.model.spec);
    const spikes: number[][] = [];
    const scores: number[][] = [];
    const counters = [];
    for (const image of images) {
      net.reset();
      encoder.reset();
      encoder.present(image);
      for (let t = 0; t < net.model.spec.presentation.timesteps; t++) {
        net.tick(encoder.tick(), encoder.constant);
        spikes.push(Array.from(net.spikes));
      }
      scores.push(Array.from(net.scores()));
      counters.push(structuredClone(net.counters()));
    }
    return { spikes, scores, counters };
  }

  it("ALIF recurrent_dense fed by pixel_windows (window 3, stride 2): same spikes and counters", () => {
    const r = rng(9);
    const model = buildModel({
      inputShape: [1, 4, 5],
      encoder: { type: "pixel_windows", window: 3, stride: 2 },
      timesteps: 10,
      layers: [
        {
          type: "recurrent_dense",
          weights: randomTensor([12, 3], r, 0.8, 0.1),
          recurrent_weights: randomTensor([12, 12], r, 0.3),
          neuron: {
            model: "alif",
            tau_m: randomTensor([12], r, 0.005, 0.02),
            tau_adp: randomTensor([12], r, 0.025, 0.2),
            b0: 0.01,
            beta: 1.8,
          },
        },
        {
          type: "dense",
          weights: randomTensor([3, 12], r, 1),
          neuron: { model: "leaky_integrator", tau: 0.02 },
        },
      ],
      readout: { type: "membrane" },
    });
    expect([model.encodedShape, model.sequenceLength]).toEqual([[3], 10]);
    const images = [0, 1, 2].map(() => Float64Array.from({ length: 20 }, () => r()));
    const fast = seqTrace(createNetwork(model, { engine: "fast" }), images);
    const ref = seqTrace(createNetwork(model, { engine: "reference" }), images);
    expect(fast.spikes).toEqual(ref.spikes);
    expect(fast.counters).toEqual(ref.counters);
    expect(fast.counters[0].layers[0].spikes).toBeGreaterThan(5);
    fast.scores.flat().forEach((v, i) => expect(v).toBeCloseTo(ref.scores.flat()[i], 8));
  });

  for (const seed of [4, 5]) {
    for (const tpr of [1, 2]) {
      it(`ALIF recurrent_dense ×2 fed row by row (seed ${seed}, ticks_per_row ${tpr}): same spikes, scores and counters; run() agrees`, () => {
        const model = buildModel(rowsNet(seed, tpr));
        expect(model.encodedShape).toEqual([6]);
        expect(model.sequenceLength).toBe(8 * tpr);
        const r = rng(seed + 200);
        const images = [0, 1, 2].map(() => Float64Array.from({ length: 48 }, () => r()));
        const fast = seqTrace(createNetwork(model, { engine: "fast" }), images);
        const ref = seqTrace(createNetwork(model, { engine: "reference" }), images);
        expect(fast.spikes).toEqual(ref.spikes);
        expect(fast.counters).toEqual(ref.counters);
        fast.scores.flat().forEach((v, i) => expect(v).toBeCloseTo(ref.scores.flat()[i], 8));
        const hidden = fast.counters[0].layers.slice(0, 2).map((l) => l.spikes);
        expect(Math.min(...hidden), "both ALIF layers must spike").toBeGreaterThan(5);
        // Input-driven ops: each non-zero row value reaches the first layer's 20 neurons.
        images.forEach((image, k) => {
          let nonZero = 0;
          for (const x of image) if (x !== 0) nonZero += tpr;
          expect(fast.counters[k].inputOps).toBe(nonZero * 20);
        });
        // annMacs: an RNN of the same shape over the whole sequence.
        expect(fast.counters[0].layers[0].annMacs).toBe((6 * 20 + 20 * 20) * 8 * tpr);
        // run() with the model's encoder is the same presentation.
        for (const engine of ["fast", "reference"] as const) {
          const net = createNetwork(model, { engine });
          const encoder = encoderForModel(model.spec);
          images.forEach((image, k) => {
            const { scores, counters } = net.run(image, undefined, encoder);
            expect(Array.from(scores)).toEqual(engine === "fast" ? fast.scores[k] : ref.scores[k]);
            expect(counters).toEqual(fast.counters[k]);
          });
          expect(() => net.run(images[0])).toThrow(/pass an encoder/);
        }
      });
    }
  }
});

/** Graphs (format version 2): summing junctions and cycles, on both engines with one test body. */
function graphNets(seed: number): [string, ModelDef][] {
  const r = rng(seed);
  const IF = { model: "if", r: 1, v_threshold: 1, v_reset: 0 };
  return [
    [
      "summing junction (two LIF layers of different spike heights) and cycles (a later layer, itself)",
      {
        version: 2,
        inputShape: [1, 1, 8],
        layers: [
          { type: "flatten", name: "flat" },
          {
            type: "dense",
            name: "a",
            inputs: ["flat", "d"],
            weights: randomTensor([12, 8], r, 1, 0.4),
            bias: randomTensor([12], r, 0.3, 0.6),
            neuron: LIF,
          },
          {
            type: "dense",
            name: "b",
            inputs: ["flat"],
            weights: randomTensor([12, 8], r, 1, 0.5),
            neuron: { ...LIF, amplitude: 0.5 },
          },
          {
            type: "dense",
            name: "c",
            inputs: ["a", "b"],
            weights: randomTensor([8, 12], r, 0.08, 0.02),
            bias: randomTensor([8], r, 0.4, 0.6),
            neuron: LIF,
          },
          {
            type: "dense",
            name: "d",
            inputs: ["c", "d"],
            weights: randomTensor([8, 8], r, 0.4, 0.2),
            neuron: IF,
          },
          {
            type: "dense",
            name: "out",
            inputs: ["d"],
            weights: randomTensor([4, 8], r, 1),
            neuron: IF,
          },
        ],
      },
    ],
    [
      "conv branches through pooling summed into a conv, the input summed with a cycle, lowpass",
      {
        version: 2,
        inputShape: [1, 6, 6],
        layers: [
          {
            type: "conv2d",
            name: "c1",
            inputs: ["input"],
            weights: randomTensor([2, 1, 3, 3], r, 1.5, 0.2),
            bias: randomTensor([2], r, 0.5, 1),
            padding: [1, 1],
            neuron: LIF,
          },
          {
            type: "conv2d",
            name: "c2",
            inputs: ["input"],
            weights: randomTensor([2, 1, 3, 3], r, 1.5, 0.2),
            padding: [1, 1],
            neuron: { model: "if", v_threshold: 0.8 },
          },
          { type: "avgpool2d", name: "p1", inputs: ["c1"], kernel: [2, 2], stride: [2, 2] },
          { type: "avgpool2d", name: "p2", inputs: ["c2"], kernel: [2, 2], stride: [2, 2] },
          {
            type: "conv2d",
            name: "c3",
            inputs: ["p1", "p2"],
            weights: randomTensor([3, 2, 2, 2], r, 0.05, 0.02),
            bias: randomTensor([3], r, 0.3, 0.8),
            neuron: LIF,
            synapse: { type: "lowpass", tau: 0.004 },
          },
          { type: "flatten", name: "f3", inputs: ["c3"] },
          {
            type: "dense",
            name: "h",
            inputs: ["f3", "h2"],
            weights: randomTensor([6, 12], r, 0.1, 0.02),
            bias: randomTensor([6], r, 0.5, 0.8),
            neuron: LIF,
          },
          {
            type: "dense",
            name: "h2",
            inputs: ["h"],
            weights: randomTensor([12, 6], r, 0.05),
            neuron: LINEAR,
          },
          { type: "dense", inputs: ["h"], weights: randomTensor([3, 6], r, 0.5), neuron: LIF },
        ],
      },
    ],
  ];
}

describe("graphs (format version 2) and the IF neuron on both engines", () => {
  for (const seed of [1, 2, 3]) {
    for (const [name, def] of graphNets(seed)) {
      it(`${name} (seed ${seed}): same spikes, outputs, scores and counters`, () => {
        const model = buildModel(def);
        const r = rng(seed + 300);
        const frames = [0, 1, 2].map(() =>
          Float64Array.from({ length: model.inputSize }, () => r() * 2),
        );
        const fast = trace(createNetwork(model, { engine: "fast" }), frames, 40);
        const ref = trace(createNetwork(model, { engine: "reference" }), frames, 40);
        expect(fast.spikes).toEqual(ref.spikes);
        expect(fast.counters).toEqual(ref.counters);
        const layerSpikes = fast.counters.layers.map((l) => l.spikes);
        // Every layer spikes, but one at most (a linear layer, or a quiet output of a seed).
        expect(
          layerSpikes.filter((s) => s > 10).length,
          `spikes per layer: ${layerSpikes}`,
        ).toBeGreaterThanOrEqual(layerSpikes.length - 1);
        fast.outputs.flat().forEach((v, i) => expect(v).toBeCloseTo(ref.outputs.flat()[i], 8));
        fast.scores.forEach((v, i) => expect(v).toBeCloseTo(ref.scores[i], 8));
      });
    }
  }

  it("a version-1 chain and the same chain written as a version-2 graph give identical runs", () => {
    const [, chain] = nets(4)[0];
    const names = chain.layers.map((_, i) => `l${i}`);
    const graph: ModelDef = {
      ...chain,
      version: 2,
      layers: chain.layers.map((l, i) => ({
        ...l,
        name: names[i],
        inputs: [i === 0 ? "input" : names[i - 1]],
      })),
    };
    const frames = [Float64Array.from({ length: 2 * 9 * 9 }, (_, i) => (i % 7) / 3)];
    for (const engine of ["fast", "reference"] as const) {
      const a = trace(createNetwork(buildModel(chain), { engine }), frames, 30);
      const b = trace(createNetwork(buildModel(graph), { engine }), frames, 30);
      expect(b).toEqual(a);
    }
  });
});
