import { describe, expect, it } from "vitest";
import { outputSpikeHeight } from "../../src/decode/decoder.js";
import { createNetwork, ModelError } from "../../src/snn/index.js";
import type { Network } from "../../src/snn/index.js";
import { NEURON_KINDS, neuronKind, spikeHeight } from "../../src/snn/neurons/index.js";
import type { Neuron } from "../../src/snn/neurons/index.js";
import { buildModel, packModel } from "./helpers.js";
import type { ModelDef } from "./helpers.js";
import { parseModel } from "../../src/snn/model.js";

const engines = ["fast", "reference"] as const;

/** Spikes and membrane of the single output neuron, tick by tick, under a constant input. */
function run1(net: Network, input: number, ticks: number) {
  const x = Float64Array.of(input);
  const spikes: number[] = [];
  const membrane: number[] = [];
  const output: number[] = [];
  net.reset();
  for (let t = 0; t < ticks; t++) {
    net.tick(x, true);
    spikes.push(net.spikes[0]);
    membrane.push(net.membrane[0]);
    output.push(net.output[0]);
  }
  return { spikes, membrane, output };
}

/** One IF neuron behind a 1x1 dense weight of 1. */
const oneIf = (neuron: Record<string, unknown>, extra: Partial<ModelDef> = {}): ModelDef => ({
  inputShape: [1, 1, 1],
  layers: [
    { type: "flatten" },
    { type: "dense", weights: { shape: [1, 1], data: [1] }, neuron: { model: "if", ...neuron } },
  ],
  ...extra,
});

describe("registry: one module per neuron kind", () => {
  it("lists every kind with its state variables (what an energy model charges per update)", () => {
    const table = Object.fromEntries(NEURON_KINDS.map((k) => [k.model, k.stateVariables]));
    expect(table).toEqual({
      lif: ["v", "ref"],
      alif: ["v", "eta"],
      leaky_integrator: ["v"],
      linear: [],
      if: ["v"],
      nir_lif: ["v"],
      nir_cuba_lif: ["v", "i"],
      nir_li: ["v"],
      nir_cuba_li: ["v", "i"],
      nir_i: ["v"],
      threshold: [],
    });
    expect(NEURON_KINDS.filter((k) => k.spiking).map((k) => k.model)).toEqual([
      "lif",
      "alif",
      "if",
      "nir_lif",
      "nir_cuba_lif",
      "threshold",
    ]);
    expect(() => neuronKind("izhikevich")).toThrow(
      /unknown neuron model "izhikevich"; registered: lif, alif/,
    );
  });
  it("spike heights come from the kind: LIF amplitude/dt, ALIF amplitude, IF 1 (the decoder reads the same)", () => {
    const lif = { model: "lif", tau_rc: 0.02, tau_ref: 0, amplitude: 0.5, v_th: 1, min_voltage: 0 };
    expect(spikeHeight(lif as Neuron, 0.002)).toBe(250);
    const ifModel = buildModel(oneIf({ v_threshold: 1 }, { dt: 0.002 }));
    expect(outputSpikeHeight(ifModel.spec)).toBe(1);
  });
});

describe("NIR IF neuron (v += r·x per step, strict threshold, reset to v_reset)", () => {
  for (const engine of engines) {
    it(`${engine}: integrates r·x per step without dt and resets to v_reset in the spiking step`, () => {
      // r 2, x 0.4: v = 0.8, 1.6 → spike, reset -0.5; then 0.3, 1.1 → spike, ...
      const model = buildModel(oneIf({ r: 2, v_threshold: 1, v_reset: -0.5 }, { dt: 0.01 }));
      const { spikes, membrane, output } = run1(createNetwork(model, { engine }), 0.4, 6);
      expect(spikes).toEqual([0, 1, 0, 1, 0, 1]);
      const want = [0.8, -0.5, 0.3, -0.5, 0.3, -0.5];
      membrane.forEach((v, t) => expect(v).toBeCloseTo(want[t], 12));
      expect(output).toEqual([0, 1, 0, 1, 0, 1]); // height 1, not 1/dt
    });
    it(`${engine}: the threshold is strict (v = v_threshold does not spike)`, () => {
      const model = buildModel(oneIf({ v_threshold: 1 }));
      const { spikes, membrane } = run1(createNetwork(model, { engine }), 0.5, 3);
      expect(membrane.slice(0, 2)).toEqual([0.5, 1]);
      expect(spikes).toEqual([0, 0, 1]);
    });
  }
  it("schema errors name the field: missing v_threshold, v_reset not below it, an unknown field", () => {
    const load = (neuron: Record<string, unknown>) => {
      const { json, bytes } = packModel(oneIf(neuron));
      return () => parseModel(json, bytes, "m");
    };
    expect(load({})).toThrow(ModelError);
    expect(load({})).toThrow(/layers\[1\]\.neuron\.v_threshold: missing required field/);
    expect(load({ v_threshold: 1, v_reset: 1 })).toThrow(
      /layers\[1\]\.neuron\.v_reset: is 1, not below v_threshold 1.*Fix: use a v_reset below/,
    );
    expect(load({ v_threshold: 1, tau: 2 })).toThrow(/layers\[1\]\.neuron: unknown field "tau"/);
  });
});

describe("a cycle carries the previous tick's value (NIR's cut edge)", () => {
  for (const engine of engines) {
    it(`${engine}: an IF neuron fed by the input and by its own spike of the previous tick`, () => {
      // x_t = 1 + s_{t-1}; threshold 1.5: v 1, 2 (spike), then 0 + 2 every tick (spike).
      // Without the cycle it would spike every other tick.
      const def = (cycle: boolean): ModelDef => ({
        version: 2,
        inputShape: [1, 1, 1],
        layers: [
          { type: "flatten", name: "flat" },
          {
            type: "dense",
            name: "a",
            inputs: cycle ? ["flat", "a"] : ["flat"],
            weights: { shape: [1, 1], data: [1] },
            neuron: { model: "if", v_threshold: 1.5 },
          },
        ],
      });
      const withCycle = run1(createNetwork(buildModel(def(true)), { engine }), 1, 6);
      const without = run1(createNetwork(buildModel(def(false)), { engine }), 1, 6);
      expect(withCycle.spikes).toEqual([0, 1, 1, 1, 1, 1]);
      expect(without.spikes).toEqual([0, 1, 0, 1, 0, 1]);
      // Synaptic ops: the input's one value every fresh frame (here once: constant input), plus
      // one per spike fed back.
      const net = createNetwork(buildModel(def(true)), { engine });
      run1(net, 1, 6);
      expect(net.counters().layers[0].synapticOps).toBe(1 + 4);
    });
  }
});
