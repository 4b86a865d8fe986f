/**
 * NIR's IF in discrete time (shared reference nir.md; Norse's IAFCell, Lava-dl, the NIR paper's
 * Nengo importer): v ← v + r·J per step (no dt), spike when v > v_threshold (strict), v ← v_reset
 * in the same step; spikes of height 1 (the weights carry any scaling). v starts at 0. Every
 * parameter is one number or a TensorRef of one value per neuron.
 */
import { z } from "zod";
import { defineNeuron } from "./kind.js";
import { param, resetBelowThreshold, values } from "./nir-params.js";

export const IfNeuron = z.strictObject({
  model: z.literal("if"),
  /** Input resistance: v grows by r·J per step (dimensionless, as in NIR). */
  r: param.default(1),
  /** Threshold (strict: a spike needs v > v_threshold). */
  v_threshold: param,
  /** Value v is set to in the step it spikes. */
  v_reset: param.default(0),
});

export const integrateAndFire = defineNeuron({
  model: "if",
  schema: IfNeuron,
  spiking: true,
  spikeHeight: () => 1,
  stateVariables: ["v"],
  updateCost: { stateWords: 1, leaks: 0 },
  buffers: ["v"],
  perNeuron: { r: "finite", v_threshold: "finite", v_reset: "finite" },
  check: (spec, get) => resetBelowThreshold(get, get("v_reset").length),
  prepare: (spec, ctx) => ({
    r: values(ctx.perNeuron, "r", ctx.n),
    vThreshold: values(ctx.perNeuron, "v_threshold", ctx.n),
    vReset: values(ctx.perNeuron, "v_reset", ctx.n),
  }),
  step(c, state, J, n, spikes) {
    const { r, vThreshold, vReset } = c;
    const V = state.v;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = V[i] + r[i] * J[i];
      if (v > vThreshold[i]) {
        V[i] = vReset[i];
        spikes[count++] = i;
      } else V[i] = v;
    }
    return count;
  },
});
