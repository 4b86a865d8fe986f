/**
 * NIR's current-based LIF in discrete time (reference/nir.md):
 *     I ← I + dt/τ_syn·(w_in·x − I);  v ← v + dt/τ_mem·(v_leak − v + r·I)  (the new I)
 * spike where v > v_threshold (strict), v ← v_reset in that step; I is not reset. Spikes of
 * height 1; v and I start at 0.
 */
import { z } from "zod";
import { defineNeuron } from "./kind.js";
import { eulerFactor, param, positiveParam, resetBelowThreshold, values } from "./nir-params.js";

export const NirCubaLifNeuron = z.strictObject({
  model: z.literal("nir_cuba_lif"),
  /** Membrane time constant, seconds. */
  tau_mem: positiveParam,
  /** Synaptic current time constant, seconds. */
  tau_syn: positiveParam,
  r: param.default(1),
  v_leak: param.default(0),
  v_threshold: param,
  v_reset: param.default(0),
  /** Input weight into the synaptic current. */
  w_in: param.default(1),
});

export const nirCubaLif = defineNeuron({
  model: "nir_cuba_lif",
  schema: NirCubaLifNeuron,
  spiking: true,
  spikeHeight: () => 1,
  stateVariables: ["v", "i"],
  updateCost: { stateWords: 2, leaks: 2 },
  buffers: ["v", "i"],
  perNeuron: {
    tau_mem: "positive",
    tau_syn: "positive",
    r: "finite",
    v_leak: "finite",
    v_threshold: "finite",
    v_reset: "finite",
    w_in: "finite",
  },
  check: (_spec, get) => resetBelowThreshold(get, get("v_reset").length),
  prepare: (_spec, ctx) => ({
    kMem: eulerFactor(ctx.perNeuron, "tau_mem", ctx.n, ctx.dt),
    kSyn: eulerFactor(ctx.perNeuron, "tau_syn", ctx.n, ctx.dt),
    r: values(ctx.perNeuron, "r", ctx.n),
    vLeak: values(ctx.perNeuron, "v_leak", ctx.n),
    vThreshold: values(ctx.perNeuron, "v_threshold", ctx.n),
    vReset: values(ctx.perNeuron, "v_reset", ctx.n),
    wIn: values(ctx.perNeuron, "w_in", ctx.n),
  }),
  step(c, state, J, n, spikes) {
    const { kMem, kSyn, r, vLeak, vThreshold, vReset, wIn } = c;
    const V = state.v;
    const I = state.i;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const cur = I[i] + kSyn[i] * (wIn[i] * J[i] - I[i]);
      I[i] = cur;
      const v = V[i] + kMem[i] * (vLeak[i] - V[i] + r[i] * cur);
      if (v > vThreshold[i]) {
        V[i] = vReset[i];
        spikes[count++] = i;
      } else V[i] = v;
    }
    return count;
  },
});
