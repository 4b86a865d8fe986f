/**
 * NIR's leaky integrator in discrete time (reference/nir.md): v ← v + dt/τ·(v_leak − v + r·x);
 * no spikes, the output is v. v starts at 0.
 */
import { z } from "zod";
import { defineNeuron } from "./kind.js";
import { eulerFactor, param, positiveParam, values } from "./nir-params.js";

export const NirLiNeuron = z.strictObject({
  model: z.literal("nir_li"),
  /** Time constant, seconds. */
  tau: positiveParam,
  r: param.default(1),
  v_leak: param.default(0),
});

export const nirLi = defineNeuron({
  model: "nir_li",
  schema: NirLiNeuron,
  spiking: false,
  spikeHeight: () => 1,
  stateVariables: ["v"],
  updateCost: { stateWords: 1, leaks: 1 },
  buffers: ["v"],
  perNeuron: { tau: "positive", r: "finite", v_leak: "finite" },
  check: () => null,
  prepare: (_spec, ctx) => ({
    k: eulerFactor(ctx.perNeuron, "tau", ctx.n, ctx.dt),
    r: values(ctx.perNeuron, "r", ctx.n),
    vLeak: values(ctx.perNeuron, "v_leak", ctx.n),
  }),
  step(c, state, J, n, _spikes, out) {
    const { k, r, vLeak } = c;
    const V = state.v;
    for (let i = 0; i < n; i++) {
      const v = V[i] + k[i] * (vLeak[i] - V[i] + r[i] * J[i]);
      V[i] = v;
      out[i] = v;
    }
    return 0;
  },
});
