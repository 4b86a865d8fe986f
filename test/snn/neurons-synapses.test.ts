import { describe, expect, it } from "vitest";
import { createNetwork } from "../../src/snn/index.js";
import { buildModel, LINEAR } from "./helpers.js";

const engines = ["fast", "reference"] as const;

describe.each(engines)("ALIF against hand-computed steps (%s)", (engine) => {
  it("follows eta, theta = b0 + beta*eta, reset by subtraction", () => {
    const dt = 0.001;
    const tauM = Math.fround(0.02); // stored as float32 in the weights file
    const tauAdp = Math.fround(0.2);
    const model = buildModel({
      inputShape: [1, 1, 1],
      dt,
      layers: [
        { type: "flatten" },
        {
          type: "dense",
          weights: { shape: [1, 1], data: [1] },
          neuron: {
            model: "alif",
            tau_m: { shape: [1], data: [tauM] },
            tau_adp: { shape: [1], data: [tauAdp] },
            b0: 0.1,
            beta: 1.8,
            amplitude: 1,
          },
        },
      ],
    });
    const net = createNetwork(model, { engine });
    const J = 1.5;
    // Hand computation of Yin et al.'s discrete ALIF (independent of the engine code).
    const alpha = Math.exp(-dt / tauM);
    const rho = Math.exp(-dt / tauAdp);
    const expected: { u: number; s: number }[] = [];
    let u = 0;
    let eta = 0;
    let s = 0;
    for (let t = 0; t < 30; t++) {
      eta = rho * eta + (1 - rho) * s;
      const theta = 0.1 + 1.8 * eta;
      u = alpha * u + (1 - alpha) * J - theta * s;
      s = u > theta ? 1 : 0;
      expected.push({ u, s });
    }
    // Spot values written out by hand for the first ticks: u1 = (1-a)*1.5 ≈ 0.074 < b0 = 0.1: no spike yet.
    expect(expected[0].u).toBeCloseTo((1 - alpha) * 1.5, 15);
    expect(expected[0].s).toBe(0);
    expect(expected.some((e) => e.s === 1)).toBe(true);
    const input = Float64Array.of(J);
    for (let t = 0; t < 30; t++) {
      net.tick(input, true);
      expect(net.membrane[0], `tick ${t}`).toBeCloseTo(expected[t].u, 14);
      expect(net.spikes[0], `tick ${t}`).toBe(expected[t].s);
      expect(net.output[0]).toBe(expected[t].s);
    }
  });
});

describe.each(engines)("synapses have Nengo's one-step delay (%s)", (engine) => {
  const dt = 0.001;
  const tau = 0.005;
  const build = (synapse: object) =>
    buildModel({
      inputShape: [1, 1, 1],
      dt,
      layers: [
        { type: "flatten" },
        {
          type: "dense",
          weights: { shape: [1, 1], data: [2] },
          bias: { shape: [1], data: [0.25] },
          neuron: LINEAR,
          synapse,
        },
      ],
    });
  const run = (synapse: object, ticks: number): number[] => {
    const net = createNetwork(build(synapse), { engine });
    const out: number[] = [];
    for (let t = 0; t < ticks; t++) {
      net.tick(Float64Array.of(1), true);
      out.push(net.output[0]);
    }
    return out;
  };
  it("none: the current of this tick", () => {
    expect(run({ type: "none" }, 3)).toEqual([2.25, 2.25, 2.25]);
  });
  it("lowpass: y[t] = a*y[t-1] + (1-a)*u, read one tick later", () => {
    const a = Math.exp(-dt / tau);
    const got = run({ type: "lowpass", tau }, 4);
    const want = [0, (1 - a) * 2, (a * (1 - a) + (1 - a)) * 2, (a * a + a + 1) * (1 - a) * 2].map(
      (y) => y + 0.25,
    );
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 14));
  });
  it("alpha: zero-order-hold discretisation, read one tick later, unit DC gain", () => {
    const a = Math.exp(-dt / tau);
    const h = dt / tau;
    const b1 = 1 - a - h * a;
    const b2 = a * a - a + h * a;
    const got = run({ type: "alpha", tau }, 400);
    const y1 = b1 * 2;
    const y2 = 2 * a * y1 + b1 * 2 + b2 * 2;
    expect(got[0]).toBeCloseTo(0.25, 14);
    expect(got[1]).toBeCloseTo(y1 + 0.25, 14);
    expect(got[2]).toBeCloseTo(y2 + 0.25, 14);
    // Step response of 1/(tau s + 1)^2 sampled at t = k*dt: 1 - e^{-t/tau}(1 + t/tau). Nengo's
    // filter advances it one step and the read delays it one step, so tick k shows s(k*dt).
    for (const k of [5, 20, 100]) {
      const t = k * dt;
      expect(got[k]).toBeCloseTo(2 * (1 - Math.exp(-t / tau) * (1 + t / tau)) + 0.25, 10);
    }
    expect(got[399]).toBeCloseTo(2.25, 8);
  });
});
