/**
 * The NIR neuron kinds (reference/nir.md, models/FORMAT.md): a few steps of each computed by
 * hand, on both engines; per-neuron parameters as TensorRefs; the spec checks and their errors.
 * Values are chosen so that every intermediate is exact in binary floating point (dt/τ = 1/2 or
 * 1/4, inputs in halves), so traces compare with toBe.
 */
import { describe, expect, it } from "vitest";
import { createNetwork, ModelError } from "../../src/snn/index.js";
import type { Network } from "../../src/snn/index.js";
import { buildModel } from "./helpers.js";
import type { ModelDef } from "./helpers.js";

const engines = ["fast", "reference"] as const;

/** n neurons, each behind its own input through an identity dense layer. */
function oneLayer(neuron: Record<string, unknown>, n = 1, dt = 0.001): ModelDef {
  const eye = Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  return {
    inputShape: [1, 1, n],
    dt,
    readout: { type: "mean_output" },
    layers: [{ type: "flatten" }, { type: "dense", weights: { shape: [n, n], data: eye }, neuron }],
  };
}

/** Output, spikes and membrane per tick, feeding inputs[t] (one value per neuron). */
function trace(net: Network, inputs: number[][]) {
  net.reset();
  const out: number[][] = [];
  const spikes: number[][] = [];
  const v: number[][] = [];
  for (const x of inputs) {
    net.tick(Float64Array.from(x));
    out.push([...net.output]);
    spikes.push([...net.spikes]);
    v.push([...net.membrane]);
  }
  return { out, spikes, v };
}

const col = (xs: number[]) => xs.map((x) => [x]);

describe("nir_lif: v ← v + dt/τ·(v_leak − v + r·x), spike v > thr, reset to v_reset", () => {
  for (const engine of engines) {
    it(`${engine}: hand trace with leak, r and v_reset`, () => {
      // dt/τ = 0.5, r 2, v_leak 0.5, thr 1, v_reset -0.5, x = 0.5 each step:
      // v1 = 0 + .5(.5 - 0 + 1) = .75; v2 = .75 + .5(.5 - .75 + 1) = 1.125 > 1 → spike, -0.5;
      // v3 = -.5 + .5(.5 + .5 + 1) = .5; v4 = .5 + .5(1) = 1 (not > 1); v5 = 1 + .5(.5) = 1.25 → spike.
      const def = oneLayer(
        { model: "nir_lif", tau: 0.002, r: 2, v_leak: 0.5, v_threshold: 1, v_reset: -0.5 },
        1,
        0.001,
      );
      const { spikes, v } = trace(
        createNetwork(buildModel(def), { engine }),
        col([0.5, 0.5, 0.5, 0.5, 0.5]),
      );
      expect(spikes.flat()).toEqual([0, 1, 0, 0, 1]);
      expect(v.flat()).toEqual([0.75, -0.5, 0.5, 1, -0.5]);
    });
  }
});

describe("nir_cuba_lif: I ← I + dt/τs·(w_in·x − I); v ← v + dt/τm·(v_leak − v + r·I)", () => {
  for (const engine of engines) {
    it(`${engine}: the new I drives v in the same step; I is not reset`, () => {
      // dt/τs = .5, dt/τm = .5, w_in 2, r 1, v_leak 0, thr .6, x = 1, 1, 0, 0:
      // t1: I = 0 + .5(2 - 0) = 1;   v = 0 + .5(0 - 0 + 1) = .5
      // t2: I = 1 + .5(2 - 1) = 1.5; v = .5 + .5(-.5 + 1.5) = 1 > .6 → spike, v = 0
      // t3: I = 1.5 + .5(0 - 1.5) = .75; v = 0 + .5(.75) = .375
      // t4: I = .375; v = .375 + .5(-.375 + .375) = .375
      const def = oneLayer({
        model: "nir_cuba_lif",
        tau_mem: 0.002,
        tau_syn: 0.002,
        r: 1,
        v_leak: 0,
        v_threshold: 0.6,
        v_reset: 0,
        w_in: 2,
      });
      const { spikes, v } = trace(createNetwork(buildModel(def), { engine }), col([1, 1, 0, 0]));
      expect(spikes.flat()).toEqual([0, 1, 0, 0]);
      expect(v.flat()).toEqual([0.5, 0, 0.375, 0.375]);
    });
  }
});

describe("nir_li and nir_cuba_li: as LIF and CubaLIF without spikes, output v", () => {
  for (const engine of engines) {
    it(`${engine}: nir_li hand trace`, () => {
      // dt/τ = .25, r 4, v_leak 1, x = 1, 0: v1 = .25(1 + 4) = 1.25; v2 = 1.25 + .25(1 - 1.25) = 1.1875
      const def = oneLayer({ model: "nir_li", tau: 0.004, r: 4, v_leak: 1 });
      const { out, spikes } = trace(createNetwork(buildModel(def), { engine }), col([1, 0]));
      expect(out.flat()).toEqual([1.25, 1.1875]);
      expect(spikes.flat()).toEqual([0, 0]);
    });
    it(`${engine}: nir_cuba_li hand trace`, () => {
      // dt/τs = .5, dt/τm = .25, w_in 1, r 2, v_leak 0, x = 2, 2:
      // t1: I = 1, v = .25(2) = .5; t2: I = 1.5, v = .5 + .25(-.5 + 3) = 1.125
      const def = oneLayer({ model: "nir_cuba_li", tau_mem: 0.004, tau_syn: 0.002, r: 2 });
      const { out } = trace(createNetwork(buildModel(def), { engine }), col([2, 2]));
      expect(out.flat()).toEqual([0.5, 1.125]);
    });
  }
});

describe("nir_i and threshold", () => {
  for (const engine of engines) {
    it(`${engine}: nir_i integrates r·x per step without dt`, () => {
      const def = oneLayer({ model: "nir_i", r: 0.5 }, 1, 0.01);
      const { out } = trace(createNetwork(buildModel(def), { engine }), col([1, 2, -4]));
      expect(out.flat()).toEqual([0.5, 1.5, -0.5]);
    });
    it(`${engine}: threshold is stateless and strict`, () => {
      const def = oneLayer({ model: "threshold", v_threshold: 0.5 });
      const { out, spikes } = trace(
        createNetwork(buildModel(def), { engine }),
        col([0.5, 0.75, 0, 3]),
      );
      expect(spikes.flat()).toEqual([0, 1, 0, 1]);
      expect(out.flat()).toEqual([0, 1, 0, 1]); // height 1
    });
  }
});

describe("per-neuron parameters (TensorRef) for NIR kinds and if", () => {
  for (const engine of engines) {
    it(`${engine}: if with per-neuron thresholds and r, nir_lif with per-neuron τ`, () => {
      // Three IF neurons, x = 1 each step: r [1, .5, 1], thr [1.5, .75, 2.5]
      //   n0: 1, 2 → spike; n1: .5, 1 → spike; n2: 1, 2, 3 → spike at t3
      const def = oneLayer(
        {
          model: "if",
          r: { shape: [3], data: [1, 0.5, 1] },
          v_threshold: { shape: [3], data: [1.5, 0.75, 2.5] },
        },
        3,
      );
      const { spikes } = trace(createNetwork(buildModel(def), { engine }), [
        [1, 1, 1],
        [1, 1, 1],
        [1, 1, 1],
      ]);
      expect(spikes).toEqual([
        [0, 0, 0],
        [1, 1, 0],
        [0, 0, 1],
      ]);
      // nir_lif τ per neuron (float32 in the file, so exact binary values): dt .25 s, τ .5 and
      // 1 s → dt/τ = .5 and .25; x = 1, r 1: v = .5 and .25 after one step.
      const lif = oneLayer(
        { model: "nir_lif", tau: { shape: [2], data: [0.5, 1] }, v_threshold: 10 },
        2,
        0.25,
      );
      const { v } = trace(createNetwork(buildModel(lif), { engine }), [[1, 1]]);
      expect(v[0]).toEqual([0.5, 0.25]);
    });
  }
  it("per-neuron conv parameters follow the layer's channels-first order on both engines", () => {
    // conv 1x1, 2 output channels over a 1x2x2 input: thresholds differ by output position.
    const thr = [0.5, 5, 5, 0.5, 5, 0.5, 0.5, 5];
    const def: ModelDef = {
      inputShape: [1, 2, 2],
      readout: { type: "spike_count" },
      layers: [
        {
          type: "conv2d",
          weights: { shape: [2, 1, 1, 1], data: [1, 1] },
          neuron: { model: "if", v_threshold: { shape: [2, 2, 2], data: thr } },
        },
      ],
    };
    const model = buildModel(def);
    for (const engine of engines) {
      const net = createNetwork(model, { engine });
      net.reset();
      net.tick(Float64Array.of(1, 1, 1, 1));
      expect([...net.spikes]).toEqual(thr.map((t) => (t < 1 ? 1 : 0)));
    }
  });
});

describe("spec checks name the field and the fix", () => {
  const bad =
    (neuron: Record<string, unknown>, n = 1) =>
    () =>
      buildModel(oneLayer(neuron, n));
  it("v_reset at or above v_threshold", () => {
    expect(bad({ model: "nir_lif", tau: 0.01, v_threshold: 1, v_reset: 1 })).toThrow(
      /layers\[1\]\.neuron\.v_reset: is 1, not below v_threshold 1.*Fix: use a v_reset below/,
    );
    expect(
      bad({ model: "if", v_threshold: { shape: [2], data: [1, 0.5] }, v_reset: 0.5 }, 2),
    ).toThrow(/neuron\.v_reset: is 0.5 \(neuron 1\), not below v_threshold 0.5/);
    expect(
      bad({ model: "nir_cuba_lif", tau_mem: 1, tau_syn: 1, v_threshold: 0, v_reset: 0 }),
    ).toThrow(ModelError);
  });
  it("time constants ≤ 0, as numbers or per neuron", () => {
    expect(bad({ model: "nir_li", tau: 0 })).toThrow(/layers\[1\]\.neuron\.tau/);
    expect(
      bad({ model: "nir_lif", tau: { shape: [2], data: [0.01, -1] }, v_threshold: 1 }, 2),
    ).toThrow(
      /layers\[1\]\.neuron\.tau: neuron 1 has time constant -1 s\. Fix: time constants must be positive/,
    );
  });
  it("a per-neuron tensor of the wrong size", () => {
    expect(bad({ model: "threshold", v_threshold: { shape: [3], data: [1, 1, 1] } }, 2)).toThrow(
      /layers\[1\]\.neuron\.v_threshold\.shape: is \[3\] but the layer needs \[2\]/,
    );
  });
  it("unknown fields are errors", () => {
    expect(bad({ model: "nir_i", r: 1, tau: 1 })).toThrow(/unknown field "tau"/);
  });
});
