/**
 * The fast engine's WebAssembly kernels (LIF update, spike scatter) against the same engine in
 * plain JavaScript and against the reference: membranes and spikes must be bit-identical every
 * tick. The networks stress the kernels' edge cases: odd layer sizes (the SIMD padding lane),
 * parked first-layer neurons with an odd active count that changes from frame to frame,
 * min_voltage clamping, partial refractory steps at every offset (tau_ref not a multiple of dt),
 * a LIF layer behind a synapse and a first layer that is also the last.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FastNetwork } from "../../src/snn/fast.js";
import { createNetwork } from "../../src/snn/index.js";
import type { Model, Network } from "../../src/snn/index.js";
import { instantiateLif, lifModule } from "../../src/snn/wasm-lif.js";
import { Arena, scatterModule } from "../../src/snn/wasm-scatter.js";
import type { ModelDef } from "./helpers.js";
import { buildModel, randomTensor, rng } from "./helpers.js";

interface Knobs {
  seed: number;
  tauRef: number;
  minVoltage: number;
  vTh: number;
}

function nets({ seed, tauRef, minVoltage, vTh }: Knobs): [string, ModelDef][] {
  const r = rng(seed);
  const lif = { model: "lif", tau_rc: 0.02, tau_ref: tauRef, min_voltage: minVoltage, v_th: vTh };
  return [
    [
      "parked conv layer (odd sizes) -> pool -> dense 13 -> dense 7",
      {
        inputShape: [1, 7, 7],
        mode: "continuous",
        layers: [
          {
            type: "conv2d",
            weights: randomTensor([3, 1, 3, 3], r, 1.2),
            bias: randomTensor([3], r, 0.4, vTh * 0.9),
            padding: [1, 1],
            neuron: lif,
          },
          { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
          { type: "flatten" },
          {
            type: "dense",
            weights: randomTensor([13, 27], r, 0.06, 0.01),
            bias: randomTensor([13], r, 0.5, vTh * 0.8),
            neuron: lif,
          },
          {
            type: "dense",
            weights: randomTensor([7, 13], r, 0.05),
            bias: randomTensor([7], r, 0.6, vTh * 0.7),
            neuron: lif,
          },
        ],
      },
    ],
    [
      "16-channel convs and a 32-wide dense layer (gather kernel), padding borders",
      {
        inputShape: [1, 6, 6],
        layers: [
          {
            type: "conv2d",
            weights: randomTensor([16, 1, 3, 3], r, 1.2),
            bias: randomTensor([16], r, 0.4, vTh * 0.9),
            padding: [1, 1],
            neuron: lif,
          },
          { type: "avgpool2d", kernel: [2, 2], stride: [2, 2] },
          {
            type: "conv2d",
            weights: randomTensor([16, 16, 3, 3], r, 0.03, 0.005),
            bias: randomTensor([16], r, 0.4, vTh * 0.8),
            padding: [1, 1],
            neuron: lif,
          },
          { type: "flatten" },
          {
            type: "dense",
            weights: randomTensor([32, 144], r, 0.03, 0.003),
            bias: randomTensor([32], r, 0.5, vTh * 0.8),
            neuron: lif,
          },
          { type: "dense", weights: randomTensor([5, 32], r, 0.1), neuron: lif },
        ],
      },
    ],
    [
      "single LIF layer (first is last), negative currents",
      {
        inputShape: [1, 1, 9],
        layers: [
          { type: "flatten" },
          {
            type: "dense",
            weights: randomTensor([11, 9], r, 1.5),
            bias: randomTensor([11], r, 1, 0.8),
            neuron: lif,
          },
        ],
      },
    ],
    [
      "LIF behind a lowpass synapse",
      {
        inputShape: [1, 1, 5],
        layers: [
          { type: "flatten" },
          {
            type: "dense",
            weights: randomTensor([9, 5], r, 1, 0.3),
            bias: randomTensor([9], r, 0.3, vTh),
            neuron: lif,
          },
          {
            type: "dense",
            weights: randomTensor([5, 9], r, 0.08),
            bias: randomTensor([5], r, 0.8, vTh * 0.5),
            neuron: lif,
            synapse: { type: "lowpass", tau: 0.003 },
          },
        ],
      },
    ],
  ];
}

function trace(net: Network, frames: Float64Array[], ticks: number) {
  const membrane: number[][] = [];
  const spikes: number[][] = [];
  let total = 0;
  net.reset();
  for (const frame of frames) {
    net.beginFrame();
    for (let t = 0; t < ticks; t++) {
      net.tick(frame, true);
      membrane.push(Array.from(net.membrane));
      spikes.push(Array.from(net.spikes));
    }
    total += net.counters().total.spikes;
  }
  return { membrane, spikes, total, counters: structuredClone(net.counters()) };
}

function compare(model: Model, seed: number): number {
  const r = rng(seed);
  // Frames change within a continuous stream: parked neurons are replayed, active ones re-gathered.
  const frames = [0, 1, 2, 3].map(() =>
    Float64Array.from({ length: model.inputSize }, () => r() * 2.2 - 0.2),
  );
  const wasm = trace(new FastNetwork(model), frames, 30);
  const js = trace(new FastNetwork(model, { wasm: false }), frames, 30);
  const ref = trace(createNetwork(model, { engine: "reference" }), frames, 30);
  expect(wasm.membrane).toEqual(js.membrane);
  expect(wasm.spikes).toEqual(js.spikes);
  expect(wasm.counters).toEqual(js.counters);
  expect(wasm.membrane).toEqual(ref.membrane);
  expect(wasm.spikes).toEqual(ref.spikes);
  expect(wasm.counters).toEqual(ref.counters);
  expect(wasm.total).toBe(ref.total);
  return wasm.total;
}

describe("WebAssembly kernels", () => {
  it("are available here (otherwise the engine silently runs in JavaScript)", () => {
    expect(scatterModule()).not.toBeNull();
    expect(lifModule()).not.toBeNull();
  });

  for (const seed of [7, 8]) {
    for (const [name, def] of nets({ seed, tauRef: 0.0023, minVoltage: -0.4, vTh: 1 })) {
      it(`${name} (seed ${seed}): bit-identical to JavaScript and to the reference`, () => {
        expect(compare(buildModel(def), seed + 50), "the net must spike").toBeGreaterThan(10);
      });
    }
  }

  it("a graph (format 2: summing junction, a cycle through a later layer): kernels on the first input, JavaScript on the others, bit-identical", () => {
    const r = rng(11);
    const lif = { model: "lif", tau_rc: 0.02, tau_ref: 0.002 };
    const model = buildModel({
      version: 2,
      inputShape: [1, 1, 16],
      layers: [
        { type: "flatten", name: "f" },
        {
          type: "dense",
          name: "a",
          inputs: ["f", "c"],
          weights: randomTensor([32, 16], r, 1, 0.4),
          bias: randomTensor([32], r, 0.3, 0.6),
          neuron: lif,
        },
        {
          type: "dense",
          name: "b",
          inputs: ["f"],
          weights: randomTensor([32, 16], r, 1, 0.5),
          neuron: lif,
        },
        {
          type: "dense",
          name: "c",
          inputs: ["a", "b"],
          weights: randomTensor([16, 32], r, 0.05, 0.02),
          bias: randomTensor([16], r, 0.4, 0.6),
          neuron: lif,
        },
        {
          type: "dense",
          name: "out",
          inputs: ["c"],
          weights: randomTensor([4, 16], r, 0.3),
          neuron: lif,
        },
      ],
    });
    expect(compare(model, 12), "the net must spike").toBeGreaterThan(10);
  });

  it("random neuron parameters: bit-identical membranes and spikes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 0, max: 0.006, noNaN: true }),
        fc.constantFrom(0, -0.3, -1),
        fc.double({ min: 0.3, max: 2, noNaN: true }),
        (seed, tauRef, minVoltage, vTh) => {
          for (const [, def] of nets({ seed, tauRef, minVoltage, vTh })) {
            compare(buildModel(def), seed);
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it("LIF kernel: common lanes exactly as Nengo's LIF.step, the others listed and untouched", () => {
    const dt = 0.001;
    const tau = 0.02;
    const em1 = Math.expm1(-dt / tau);
    const lane = fc.record({
      acc: fc.double({ min: -3, max: 3, noNaN: true }),
      bias: fc.double({ min: -1, max: 2, noNaN: true }),
      v: fc.double({ min: -1.5, max: 1.2, noNaN: true }),
      // Boundaries of the three cases (ref = R - dt <= 0, 0 < ref < dt, ref >= dt) and between.
      r: fc.oneof(
        fc.constantFrom(0, dt, 2 * dt, dt / 2, 1.5 * dt, 3 * dt, -dt),
        fc.double({ min: -0.003, max: 0.004, noNaN: true }),
      ),
    });
    fc.assert(
      fc.property(
        fc.array(lane, { minLength: 1, maxLength: 11 }),
        fc.double({ min: 0.25, max: 4, noNaN: true }),
        fc.constantFrom(0, -0.5),
        fc.double({ min: 0.2, max: 1.5, noNaN: true }),
        fc.boolean(),
        (lanes, scale, vmin, vth, withAcc) => {
          const n = lanes.length;
          const arena = new Arena();
          const o = ["acc", "bias", "J", "V", "R"].map(() => arena.reserve(n * 8));
          const oList = arena.reserve((n + 1) * 4);
          const mem = arena.commit();
          const k = instantiateLif(mem)!;
          const [acc, bias, J, V, R] = o.map((off) => new Float64Array(mem.buffer, off, n));
          lanes.forEach((l, i) => {
            acc[i] = l.acc;
            bias[i] = l.bias;
            J[i] = l.acc;
            V[i] = l.v;
            R[i] = l.r;
          });
          const count = withAcc
            ? k.lifAcc(n, o[0], o[1], o[2], o[3], o[4], oList, scale, dt, em1, vth, vmin)
            : k.lifConst(n, o[2], o[3], o[4], oList, dt, em1, vth, vmin);
          const listed = Array.from(new Int32Array(mem.buffer, oList, count)).filter((i) => i < n);
          const expected: number[] = [];
          lanes.forEach((l, i) => {
            const j = withAcc ? l.acc * scale + l.bias : l.acc;
            expect(J[i]).toBe(j);
            if (withAcc) expect(acc[i]).toBe(0);
            // Nengo's LIF.step, as in reference.ts.
            const ref = l.r - dt;
            const dtt = Math.min(Math.max(dt - ref, 0), dt);
            const v = l.v - (j - l.v) * Math.expm1(-dtt / tau);
            if ((ref > 0 && ref < dt) || v > vth) {
              expected.push(i);
              expect([V[i], R[i]]).toEqual([l.v, l.r]);
            } else {
              // Compared as numbers, so -0 equals +0: in a fully refractory step the engine leaves
              // v as it is, where this formula turns a v of -0 into +0 (no effect on any spike).
              expect(V[i] === (v < vmin ? vmin : v)).toBe(true);
              expect(R[i]).toBe(ref);
            }
          });
          expect(listed).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
