/**
 * NIR's LIF in discrete time (reference/nir.md): v ← v + dt/τ·(v_leak − v + r·x); spike where
 * v > v_threshold (strict); v ← v_reset in that step. Spikes of height 1; v starts at 0.
 */
import { z } from "zod";
import { defineNeuron } from "./kind.js";
import { eulerFactor, param, positiveParam, resetBelowThreshold, values } from "./nir-params.js";

export const NirLifNeuron = z.strictObject({
  model: z.literal("nir_lif"),
  /** Membrane time constant, seconds. */
  tau: positiveParam,
  /** Input resistance. */
  r: param.default(1),
  /** Resting potential v leaks toward. */
  v_leak: param.default(0),
  /** Threshold (strict). */
  v_threshold: param,
  /** Value v is set to in the step it spikes. */
  v_reset: param.default(0),
});

export const nirLif = defineNeuron({
  model: "nir_lif",
  schema: NirLifNeuron,
  spiking: true,
  spikeHeight: () => 1,
  stateVariables: ["v"],
  updateCost: { stateWords: 1, leaks: 1 },
  buffers: ["v"],
  perNeuron: {
    tau: "positive",
    r: "finite",
    v_leak: "finite",
    v_threshold: "finite",
    v_reset: "finite",
  },
  check: (_spec, get) => resetBelowThreshold(get, get("v_reset").length),
  prepare: (_spec, ctx) => ({
    k: eulerFactor(ctx.perNeuron, "tau", ctx.n, ctx.dt),
    r: values(ctx.perNeuron, "r", ctx.n),
    vLeak: values(ctx.perNeuron, "v_leak", ctx.n),
    vThreshold: values(ctx.perNeuron, "v_threshold", ctx.n),
    vReset: values(ctx.perNeuron, "v_reset", ctx.n),
  }),
  step(c, state, J, n, spikes) {
    const { k, r, vLeak, vThreshold, vReset } = c;
    const V = state.v;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const v = V[i] + k[i] * (vLeak[i] - V[i] + r[i] * J[i]);
      if (v > vThreshold[i]) {
        V[i] = vReset[i];
        spikes[count++] = i;
      } else V[i] = v;
    }
    return count;
  },
});
