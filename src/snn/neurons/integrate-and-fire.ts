/**
 * NIR's IF in discrete time (shared reference nir.md; Norse's IAFCell, Lava-dl, the NIR paper's
 * Nengo importer): v ← v + r·J per step (no dt), spike when v > v_threshold (strict), v ← v_reset
 * in the same step; spikes of height 1 (the weights carry any scaling). v starts at 0.
 */
import { z } from "zod";
import { defineNeuron } from "./kind.js";

export const IfNeuron = z.strictObject({
  model: z.literal("if"),
  /** Input resistance: v grows by r·J per step (dimensionless, as in NIR). */
  r: z.number().finite().default(1),
  /** Threshold (strict: a spike needs v > v_threshold). */
  v_threshold: z.number().finite(),
  /** Value v is set to in the step it spikes. */
  v_reset: z.number().finite().default(0),
});

export const integrateAndFire = defineNeuron({
  model: "if",
  schema: IfNeuron,
  spiking: true,
  spikeHeight: () => 1,
  stateVariables: ["v"],
  updateCost: { stateWords: 1, leaks: 0 },
  buffers: ["v"],
  perNeuron: [],
  check: (spec) =>
    spec.v_reset >= spec.v_threshold
      ? {
          field: "v_reset",
          problem: `is ${spec.v_reset}, not below v_threshold ${spec.v_threshold}, so a neuron would fire every step once above threshold`,
          fix: "use a v_reset below v_threshold (NIR files usually reset to 0)",
        }
      : null,
  prepare: (spec) => ({ r: spec.r, vThreshold: spec.v_threshold, vReset: spec.v_reset }),
  step(c, state, J, n, spikes) {
    const { r, vThreshold, vReset } = c;
    const V = state.v;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = V[i] + r * J[i];
      if (v > vThreshold) {
        V[i] = vReset;
        spikes[count++] = i;
      } else V[i] = v;
    }
    return count;
  },
});
