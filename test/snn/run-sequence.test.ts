/** runSequence: a time series fed tick by tick, on both engines (src/snn/sequence.ts). */
import { describe, expect, it } from "vitest";
import { createNetwork, runSequence } from "../../src/snn/index.js";
import { buildModel } from "./helpers.js";

const model = (readout: "spike_count" | "mean_output", neuron: Record<string, unknown>) =>
  buildModel({
    version: 2,
    inputShape: [1, 1, 2],
    encoder: { type: "external" },
    timesteps: 3,
    readout: { type: readout },
    layers: [
      { type: "flatten" },
      {
        type: "dense",
        weights: { shape: [2, 2], data: [1, 0, 0, 1] },
        neuron: { model: "if", v_threshold: 0.5 },
      },
      { type: "neurons", name: "li", neuron },
    ],
  });

describe("runSequence", () => {
  for (const engine of ["fast", "reference"] as const) {
    it(`${engine}: totals, per-tick output, readout and layer totals; offset and reset`, () => {
      // Two samples of 3 ticks × 2 values; the IF layer fires where x > 0.5 (v resets each time).
      const x = Float32Array.of(1, 0, 1, 0, 0, 1, /* sample 1 */ 0, 0, 0, 0, 0, 0);
      const m = model("mean_output", { model: "nir_i", r: 0.5 });
      const net = createNetwork(m, { engine });
      const r = runSequence(net, x, 3);
      // IF spikes: [1,0], [1,0], [0,1]; nir_i integrates 0.5 per spike: [.5,0], [1,0], [1,.5].
      expect([...r.perTick]).toEqual([0.5, 0, 1, 0, 1, 0.5]);
      expect([...r.totals]).toEqual([2.5, 0.5]);
      expect([...r.scores]).toEqual([2.5 / 3, 0.5 / 3]); // mean over the 3 ticks
      expect(r.layers).toEqual([
        { layer: 1, name: null, type: "dense", neurons: 2, spikes: 3 },
        { layer: 2, name: "li", type: "neurons", neurons: 2, spikes: 0 },
      ]);
      // The second sample from its offset, from a reset state: nothing.
      expect([...runSequence(net, x, 3, { offset: 6 }).totals]).toEqual([0, 0]);
      // Without reset, the integrator keeps its value [1, .5].
      runSequence(net, x, 3);
      expect([...runSequence(net, x, 1, { offset: 6, reset: false }).totals]).toEqual([1, 0.5]);
      // A spiking output counts spikes; scores = spike counts.
      const s = runSequence(
        createNetwork(model("spike_count", { model: "threshold", v_threshold: 0.5 }), { engine }),
        x,
        3,
      );
      expect([...s.scores]).toEqual([2, 1]);
      expect([...s.totals]).toEqual([2, 1]);
    });
  }
  it("refuses an input too short for the steps, naming sizes", () => {
    const net = createNetwork(model("spike_count", { model: "threshold", v_threshold: 0.5 }));
    expect(() => runSequence(net, new Float32Array(5), 3)).toThrow(
      /3 steps of 2 values \(shape \[1, 1, 2\]\) from offset 0 need 6 values, but the input has 5/,
    );
    expect(() => runSequence(net, new Float32Array(6), 0)).toThrow(/steps is 0/);
  });
});
