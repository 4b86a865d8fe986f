/**
 * NIR's Threshold (reference/nir.md): stateless, a spike (height 1) where x > v_threshold
 * (strict), nothing else. v mirrors the input x for the membrane readout; nothing is kept.
 */
import { z } from "zod";
import { defineNeuron } from "./kind.js";
import { param, values } from "./nir-params.js";

export const ThresholdNeuron = z.strictObject({
  model: z.literal("threshold"),
  v_threshold: param,
});

export const threshold = defineNeuron({
  model: "threshold",
  schema: ThresholdNeuron,
  spiking: true,
  spikeHeight: () => 1,
  stateVariables: [],
  updateCost: { stateWords: 0, leaks: 0 },
  buffers: ["v"],
  perNeuron: { v_threshold: "finite" },
  check: () => null,
  prepare: (_spec, ctx) => ({ vThreshold: values(ctx.perNeuron, "v_threshold", ctx.n) }),
  step(c, state, J, n, spikes) {
    const thr = c.vThreshold;
    const V = state.v;
    let count = 0;
    for (let i = 0; i < n; i++) {
      V[i] = J[i];
      if (J[i] > thr[i]) spikes[count++] = i;
    }
    return count;
  },
});
