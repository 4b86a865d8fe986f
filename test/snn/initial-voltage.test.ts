/**
 * LIF's `initial_voltage` (Nengo's default initial state, voltage ~ Uniform(0, 1)): what reset
 * puts into the membrane, that it is the same every frame and on both engines, and what it
 * changes in a short presentation (the first spike comes within its interspike interval's
 * share instead of a whole interval late). Cross-engine spike equality on conv and dense
 * layers is in equivalence.test.ts.
 */
import { describe, expect, it } from "vitest";
import { createNetwork } from "../../src/snn/index.js";
import { hashUnit } from "../../src/snn/neurons/lif.js";
import { buildModel, LIF } from "./helpers.js";

const N = 400;
const DECAY = Math.exp(-0.001 / 0.02);

/** The membranes reset left: one tick at J = 0 decays them by exp(-dt/τ_rc), nothing else. */
function membraneAtReset(net: ReturnType<typeof createNetwork>): number[] {
  net.reset();
  net.tick(new Float64Array(N), true);
  return Array.from(net.membrane, (v) => v / DECAY);
}

/** One dense layer of N LIF neurons, identity weights, so neuron i sees input i. */
function identityLayer(neuron: Record<string, unknown>, timesteps = 30) {
  const w = new Float32Array(N * N);
  for (let i = 0; i < N; i++) w[i * N + i] = 1;
  return buildModel({
    inputShape: [1, 1, N],
    timesteps,
    layers: [{ type: "flatten" }, { type: "dense", weights: { shape: [N, N], data: w }, neuron }],
  });
}

const UNIFORM = { distribution: "uniform", low: 0, high: 1, seed: 7 };

describe("LIF initial_voltage", () => {
  it("reset puts a fixed draw from [low, high) into every membrane, the same each frame and on both engines", () => {
    const model = identityLayer({ ...LIF, initial_voltage: { ...UNIFORM, low: 0.25, high: 0.75 } });
    const zero = new Float64Array(N);
    for (const engine of ["fast", "reference"] as const) {
      const net = createNetwork(model, { engine });
      const v0 = membraneAtReset(net);
      expect(Math.min(...v0)).toBeGreaterThanOrEqual(0.25 - 1e-12);
      expect(Math.max(...v0)).toBeLessThan(0.75);
      // A spread, not a constant: the draw's mean and spread are those of U(0.25, 0.75).
      const mean = v0.reduce((a, b) => a + b, 0) / N;
      expect(mean).toBeCloseTo(0.5, 1);
      expect(new Set(v0).size).toBeGreaterThan(N - 5);
      expect(v0[3]).toBeCloseTo(0.25 + 0.5 * hashUnit(7, 1, 3), 12);
      net.run(zero.fill(0.5));
      expect(membraneAtReset(net)).toEqual(v0);
    }
  });

  it("absent means 0, and another seed draws other values", () => {
    const plain = createNetwork(identityLayer(LIF));
    expect(membraneAtReset(plain).every((v) => v === 0)).toBe(true);
    const a = createNetwork(identityLayer({ ...LIF, initial_voltage: UNIFORM }));
    const b = createNetwork(identityLayer({ ...LIF, initial_voltage: { ...UNIFORM, seed: 8 } }));
    expect(membraneAtReset(a)).not.toEqual(membraneAtReset(b));
  });

  it("in a short window, spike counts follow rate × window on average instead of falling a whole interval short", () => {
    // J = 1.5: rate 1/(τ_ref + τ_rc·ln 3) ≈ 41 Hz, an interval of ~24 ms; in a 30 ms window a
    // neuron starting at v = 0 fires once, one starting at a random phase 1.23 times on average.
    const J = 1.5;
    const rate = 1 / (0.002 + 0.02 * Math.log(J / (J - 1)));
    const input = new Float64Array(N).fill(J);
    const count = (neuron: Record<string, unknown>) => {
      const { scores } = createNetwork(identityLayer(neuron)).run(input);
      return Array.from(scores).reduce((a, b) => a + b, 0) / N;
    };
    const fromZero = count(LIF);
    const phased = count({ ...LIF, initial_voltage: UNIFORM });
    expect(fromZero).toBe(1);
    expect(phased).toBeGreaterThan(rate * 0.03 - 0.08);
    expect(phased).toBeLessThan(rate * 0.03 + 0.08);
  });

  it("refuses a draw outside [min_voltage, v_th] naming the field and the fix", () => {
    expect(() => identityLayer({ ...LIF, initial_voltage: { ...UNIFORM, high: 1.5 } })).toThrow(
      /initial_voltage.*not within \[min_voltage 0, v_th 1\].*e\.g\. low 0, high 1/,
    );
    expect(() =>
      identityLayer({ ...LIF, initial_voltage: { distribution: "normal", low: 0, high: 1 } }),
    ).toThrow(/initial_voltage/);
  });
});
