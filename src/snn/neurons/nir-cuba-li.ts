/**
 * NIR's current-based leaky integrator in discrete time (reference/nir.md):
 *     I ← I + dt/τ_syn·(w_in·x − I);  v ← v + dt/τ_mem·(v_leak − v + r·I)  (the new I)
 * no spikes, the output is v. v and I start at 0.
 */
import { z } from "zod";
import { defineNeuron } from "./kind.js";
import { eulerFactor, param, positiveParam, values } from "./nir-params.js";

export const NirCubaLiNeuron = z.strictObject({
  model: z.literal("nir_cuba_li"),
  tau_mem: positiveParam,
  tau_syn: positiveParam,
  r: param.default(1),
  v_leak: param.default(0),
  w_in: param.default(1),
});

export const nirCubaLi = defineNeuron({
  model: "nir_cuba_li",
  schema: NirCubaLiNeuron,
  spiking: false,
  spikeHeight: () => 1,
  stateVariables: ["v", "i"],
  updateCost: { stateWords: 2, leaks: 2 },
  buffers: ["v", "i"],
  perNeuron: {
    tau_mem: "positive",
    tau_syn: "positive",
    r: "finite",
    v_leak: "finite",
    w_in: "finite",
  },
  check: () => null,
  prepare: (_spec, ctx) => ({
    kMem: eulerFactor(ctx.perNeuron, "tau_mem", ctx.n, ctx.dt),
    kSyn: eulerFactor(ctx.perNeuron, "tau_syn", ctx.n, ctx.dt),
    r: values(ctx.perNeuron, "r", ctx.n),
    vLeak: values(ctx.perNeuron, "v_leak", ctx.n),
    wIn: values(ctx.perNeuron, "w_in", ctx.n),
  }),
  step(c, state, J, n, _spikes, out) {
    const { kMem, kSyn, r, vLeak, wIn } = c;
    const V = state.v;
    const I = state.i;
    for (let i = 0; i < n; i++) {
      const cur = I[i] + kSyn[i] * (wIn[i] * J[i] - I[i]);
      I[i] = cur;
      const v = V[i] + kMem[i] * (vLeak[i] - V[i] + r[i] * cur);
      V[i] = v;
      out[i] = v;
    }
    return 0;
  },
});
