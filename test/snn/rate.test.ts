import { describe, expect, it } from "vitest";
import { createNetwork } from "../../src/snn/index.js";
import { buildModel, LIF } from "./helpers.js";

/** One LIF neuron per current J (identity weights), constant input for 2 s. */
function simulatedRates(currents: number[], dt: number, engine: "fast" | "reference"): number[] {
  const n = currents.length;
  const eye = Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? 1 : 0));
  const model = buildModel({
    inputShape: [1, 1, n],
    dt,
    layers: [
      { type: "flatten" },
      { type: "dense", weights: { shape: [n, n], data: eye }, neuron: LIF },
    ],
  });
  const net = createNetwork(model, { engine });
  const ticks = Math.round(2 / dt);
  const input = Float64Array.from(currents);
  const counts = new Float64Array(n);
  for (let t = 0; t < ticks; t++) {
    net.tick(input, true);
    for (let i = 0; i < n; i++) counts[i] += net.spikes[i];
  }
  return Array.from(counts, (c) => c / 2);
}

const analytic = (j: number): number => 1 / (0.002 + 0.02 * Math.log1p(1 / (j - 1)));

describe("LIF rate contract", () => {
  const currents = Array.from({ length: 40 }, (_, i) => 1.05 * Math.pow(10 / 1.05, i / 39));
  for (const dt of [0.001, 0.0001]) {
    for (const engine of ["fast", "reference"] as const) {
      it(`matches 1/(tau_ref + tau_rc ln(1 + 1/(J-1))) within 1 Hz or 2%, dt ${dt}, ${engine}`, () => {
        const rates = simulatedRates(currents, dt, engine);
        currents.forEach((j, i) => {
          const want = analytic(j);
          expect(
            Math.abs(rates[i] - want),
            `J=${j.toFixed(3)}: ${rates[i]} vs ${want}`,
          ).toBeLessThanOrEqual(Math.max(1, 0.02 * want));
        });
      });
    }
  }
  it("stays silent below threshold", () => {
    expect(simulatedRates([0.5, 0.99, 1.0], 0.001, "fast")).toEqual([0, 0, 0]);
  });
});
